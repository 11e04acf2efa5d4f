import { describe, expect, it } from "vitest";
import { wecomPush, wecomUrlCheck } from "../../local/platforms/wecom";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeComCredentials } from "../../shared/channels/wecom/credentials";
import { wecomModule } from "../../shared/channels/wecom/module";
import { useTestStack } from "../support/stack";
import { settle, waitFor } from "../support/wait";

/**
 * The WeCom self-built app through the whole local stack: an encrypted, signed callback → the webhook
 * handler → the FIFO queue (deduplicating) → the worker → `message/send` of the WeCom simulator.
 */
const kefu = useTestStack("wecom");
const credentials = credentialsFor(wecomModule, demoCredentials()) as WeComCredentials;

const post = kefu.deliver;

const repliesTo = (to: string) => kefu.repliesTo("wecom", to);

describe("the WeCom callback URL check", () => {
  it("answers the decrypted echostr", async () => {
    const response = await post(wecomUrlCheck(credentials, "1616140317555161061"));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("1616140317555161061");
  });
});

describe("a member's question in the WeCom app", () => {
  it("is answered exactly once, in plain text, even when WeCom retries the callback", async () => {
    const push = wecomPush(credentials, { userId: "e2e-wecom-answer", text: "怎么申请退货？" });
    const first = await post(push);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe("");

    const [reply] = await waitFor(
      () => repliesTo("e2e-wecom-answer").length > 0 && repliesTo("e2e-wecom-answer"),
      {
        what: "the reply",
      },
    );
    expect(reply?.text).toContain("AI");
    expect(reply?.text).toContain("申请售后");
    expect(reply?.text).not.toMatch(/\*\*|^#/m);

    for (let i = 0; i < 3; i++) expect((await post(push)).status).toBe(200);
    await settle(1500);
    expect(repliesTo("e2e-wecom-answer")).toHaveLength(1);
  });

  it("greets a member who opens the app, once", async () => {
    await post(wecomPush(credentials, { userId: "e2e-wecom-enter", event: "enter_agent" }));
    await waitFor(() => repliesTo("e2e-wecom-enter").length === 1, { what: "the greeting" });
    expect(repliesTo("e2e-wecom-enter")[0]?.text).toContain("AI");
    await post(wecomPush(credentials, { userId: "e2e-wecom-enter", event: "enter_agent" }));
    await settle(1000);
    expect(repliesTo("e2e-wecom-enter")).toHaveLength(1);
  });
});

describe("bad input", () => {
  it("refuses a forged signature, a stale timestamp, another CorpID, malformed XML and an oversized body", async () => {
    const before = kefu.stack.inbox.length;
    const good = wecomPush(credentials, { userId: "e2e-wecom-bad", text: "hello" });
    const forged = {
      ...good,
      path: good.path.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${"0".repeat(40)}`),
    };
    expect((await post(forged)).status).toBe(401);
    const stale = wecomPush(credentials, {
      userId: "e2e-wecom-bad",
      text: "hello",
      at: new Date(Date.now() - 3600_000),
    });
    expect((await post(stale)).status).toBe(401);
    const otherCorp = wecomPush(
      { ...credentials, KEFU_WECOM_CORP_ID: "wwsomeoneelse" },
      { userId: "e2e-wecom-bad" },
    );
    expect((await post(otherCorp)).status).toBe(401);
    expect((await post({ ...good, body: "<xml><Encrypt>broken" })).status).toBe(400);
    expect((await post({ ...good, body: `<xml>${"x".repeat(300 * 1024)}</xml>` })).status).toBe(413);
    await settle(1000);
    expect(kefu.stack.inbox.length).toBe(before);
    expect(repliesTo("e2e-wecom-bad")).toHaveLength(0);
  });
});
