import { describe, expect, it } from "vitest";
import {
  DEMO_OPEN_KFID,
  kfCallback,
  kfCustomerText,
  kfDeliver,
  kfEnterSession,
} from "../../local/platforms/wecom-kf";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeComKfCredentials } from "../../shared/channels/wecom-kf/credentials";
import { wecomKfModule } from "../../shared/channels/wecom-kf/module";
import { useTestStack } from "../support/stack";
import { settle, waitFor } from "../support/wait";

/**
 * WeCom 微信客服 through the whole local stack: the customer's message is kept by the simulator, the
 * signed callback says "pull", the webhook pulls with kf/sync_msg from its stored cursor, the worker
 * answers with kf/send_msg (or the welcome with kf/send_msg_on_event) within the session rules.
 */
const kefu = useTestStack("wecomkf");
const credentials = credentialsFor(wecomKfModule, demoCredentials()) as WeComKfCredentials;

const post = kefu.deliver;

const repliesTo = (to: string) => kefu.repliesTo("wecom-kf", to);

/** Reads a customer's session state from the simulator, as an agent's tool would. */
async function serviceState(userId: string): Promise<number> {
  const sim = `${kefu.stack.url}/sim/wecom-kf/cgi-bin`;
  const token = (await (
    await fetch(
      `${sim}/gettoken?corpid=${credentials.KEFU_WECOM_KF_CORP_ID}&corpsecret=${credentials.KEFU_WECOM_KF_SECRET}`,
    )
  ).json()) as { access_token: string };
  const state = await fetch(`${sim}/kf/service_state/get?access_token=${token.access_token}`, {
    method: "POST",
    body: JSON.stringify({ open_kfid: DEMO_OPEN_KFID, external_userid: userId }),
  });
  return ((await state.json()) as { service_state: number }).service_state;
}

describe("a customer's question to 微信客服", () => {
  it("is answered exactly once, even when WeCom retries the callback", async () => {
    const user = "wm-e2e-answer";
    const callback = await kfDeliver(kefu.stack.url, credentials, [kfCustomerText(user, "怎么申请退货？")]);
    const first = await post(callback);
    expect(first.status).toBe(200);

    const [reply] = await waitFor(() => repliesTo(user).length > 0 && repliesTo(user), { what: "the reply" });
    expect(reply?.text).toContain("AI");
    expect(reply?.text).toContain("申请售后");

    for (let i = 0; i < 3; i++) expect((await post(callback)).status).toBe(200);
    await settle(1500);
    expect(repliesTo(user)).toHaveLength(1);
  });

  it("welcomes a customer entering the session through send_msg_on_event", async () => {
    const user = "wm-e2e-welcome";
    await post(await kfDeliver(kefu.stack.url, credentials, [kfEnterSession(user)]));
    await waitFor(() => repliesTo(user).length === 1, { what: "the welcome" });
    expect(repliesTo(user)[0]?.text).toContain("AI");
  });

  it("answers every customer of a burst pulled by one callback, once each", async () => {
    const users = ["wm-e2e-burst-1", "wm-e2e-burst-2", "wm-e2e-burst-3"];
    const callback = await kfDeliver(
      kefu.stack.url,
      credentials,
      users.map((u) => kfCustomerText(u, "发票怎么开")),
    );
    await post(callback);
    await waitFor(() => users.every((u) => repliesTo(u).length === 1), { what: "three replies" });
    await post(callback);
    await settle(1000);
    for (const u of users) expect(repliesTo(u)).toHaveLength(1);
  });

  it("hands off to the reception pool and then stays silent", async () => {
    const user = "wm-e2e-handoff";
    await post(await kfDeliver(kefu.stack.url, credentials, [kfCustomerText(user, "转人工")]));
    await waitFor(() => repliesTo(user).length === 1, { what: "the hand-off message" });
    await waitFor(async () => (await serviceState(user)) === 2, { what: "the session to reach the pool" });

    await post(await kfDeliver(kefu.stack.url, credentials, [kfCustomerText(user, "还在吗？")]));
    await settle(1500);
    expect(repliesTo(user)).toHaveLength(1);
  });
});

describe("bad callbacks", () => {
  it("refuses a forged signature, a stale timestamp, another CorpID, malformed XML and an oversized body", async () => {
    const before = kefu.stack.inbox.length;
    const good = kfCallback(credentials, { token: "ENCnothing" });
    const forged = {
      ...good,
      path: good.path.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${"0".repeat(40)}`),
    };
    expect((await post(forged)).status).toBe(401);
    const stale = kfCallback(credentials, { token: "ENCnothing", at: new Date(Date.now() - 3600_000) });
    expect((await post(stale)).status).toBe(401);
    const otherCorp = kfCallback(
      { ...credentials, KEFU_WECOM_KF_CORP_ID: "wwsomeoneelse" },
      { token: "ENCnothing" },
    );
    expect((await post(otherCorp)).status).toBe(401);
    expect((await post({ ...good, body: "<xml><Encrypt>broken" })).status).toBe(400);
    expect((await post({ ...good, body: `<xml>${"x".repeat(300 * 1024)}</xml>` })).status).toBe(413);
    await settle(500);
    expect(kefu.stack.inbox.length).toBe(before);
  });
});
