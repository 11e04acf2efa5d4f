import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  dingtalkEventPush,
  dingtalkRobotMessage,
  newMsgId,
  signedRobotPost,
} from "../../local/platforms/dingtalk";
import type { DingTalkCredentials } from "../../shared/channels/dingtalk/credentials";
import { robotCodeOf } from "../../shared/channels/dingtalk/credentials";
import { decryptEvent } from "../../shared/channels/dingtalk/inbound";
import { dingtalkModule } from "../../shared/channels/dingtalk/module";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import { useTestStack } from "../support/stack";
import { settle, waitFor } from "../support/wait";

/**
 * DingTalk through the whole local stack: a signed robot message (HTTP mode) → the webhook handler →
 * the FIFO queue (deduplicating) → the worker → the session webhook or the robot OpenAPI of the
 * DingTalk simulator.
 */
const kefu = useTestStack("dingtalk");
const credentials = credentialsFor(dingtalkModule, demoCredentials()) as DingTalkCredentials;

const post = kefu.deliver;

const repliesTo = (to: string) => kefu.repliesTo("dingtalk", to);

describe("a customer question to the DingTalk robot", () => {
  it("is answered exactly once, even when DingTalk re-delivers the message a minute later", async () => {
    const userId = `e2e-once-${process.pid}`;
    const msgId = newMsgId();
    const createdAt = new Date(Date.now() - 60_000);
    const first = await post(
      dingtalkRobotMessage(credentials, kefu.stack.url, {
        userId,
        text: "怎么申请退货？",
        msgId,
        createdAt,
        signedAt: createdAt,
      }),
    );
    expect(first.status).toBe(200);
    expect(await first.text()).toBe("{}");

    const [reply] = await waitFor(() => repliesTo(userId).length > 0 && repliesTo(userId), {
      what: "the reply",
    });
    expect(reply?.text).toContain("申请售后");

    // DingTalk's re-delivery: same msgId and createAt, signed again a minute later, within the hour window.
    const again = await post(
      dingtalkRobotMessage(credentials, kefu.stack.url, {
        userId,
        text: "怎么申请退货？",
        msgId,
        createdAt,
        signedAt: new Date(),
      }),
    );
    expect(again.status).toBe(200);
    await settle(1500);
    expect(repliesTo(userId)).toHaveLength(1);
  });

  it("answers through the robot OpenAPI once the session webhook has expired", async () => {
    const userId = `e2e-openapi-${process.pid}`;
    await post(
      dingtalkRobotMessage(credentials, kefu.stack.url, { userId, text: "怎么开发票", sessionTtlMs: -1000 }),
    );
    const [reply] = await waitFor(() => repliesTo(userId).length > 0 && repliesTo(userId), {
      what: "the reply",
    });
    expect(reply?.text).toContain("发票");
  });
});

describe("a real DingTalk payload posted to the local stack", () => {
  it("is answered through the simulator, its session webhook on DingTalk's host mapped there", async () => {
    const real = JSON.parse(
      readFileSync(new URL("../fixtures/dingtalk/single-text.json", import.meta.url), "utf8"),
    ) as Record<string, unknown>;
    const session = `kefuE2eRealSession${process.pid}`;
    const now = Date.now();
    const body = {
      ...real,
      msgId: newMsgId(),
      robotCode: robotCodeOf(credentials),
      createAt: now,
      sessionWebhook: `https://oapi.dingtalk.com/robot/sendBySession?session=${session}`,
      sessionWebhookExpiredTime: now + 90 * 60_000,
    };
    const response = await post(signedRobotPost(credentials, body, new Date(now)));
    expect(response.status).toBe(200);
    const [reply] = await waitFor(
      () => repliesTo(`session:${session}`).length > 0 && repliesTo(`session:${session}`),
      { what: "the reply through the mapped session webhook" },
    );
    expect(reply?.text).toContain("申请售后");
  });
});

describe("a DingTalk group", () => {
  const conversationId = `cidE2eGroup${process.pid}==`;

  it("is answered when the robot is @-mentioned, and ignored otherwise", async () => {
    const quiet = `e2e-group-quiet-${process.pid}`;
    const before = kefu.stack.inbox.length;
    const ignored = await post(
      dingtalkRobotMessage(credentials, kefu.stack.url, {
        userId: quiet,
        text: "大家中午吃什么",
        group: { conversationId, mention: false },
      }),
    );
    expect(ignored.status).toBe(200);

    const asker = `e2e-group-asker-${process.pid}`;
    await post(
      dingtalkRobotMessage(credentials, kefu.stack.url, {
        userId: asker,
        text: "怎么申请退货？",
        group: { conversationId, mention: true },
      }),
    );
    const [reply] = await waitFor(() => repliesTo(asker).length > 0 && repliesTo(asker), {
      what: "the reply",
    });
    expect(reply?.text).toContain("申请售后");
    const received = kefu.stack.inbox.slice(before).filter((m) => m.channel === "dingtalk");
    expect(received.map((m) => m.sender)).toEqual([asker]);
    expect(received[0]?.text).toBe("怎么申请退货？");
    expect(received[0]?.conversation).toBe(`dingtalk:${conversationId}:${asker}`);
    expect(repliesTo(quiet)).toHaveLength(0);
  });
});

describe("the event subscription URL check and bad input", () => {
  it("answers check_url with an encrypted success", async () => {
    const response = await post(dingtalkEventPush(credentials, { EventType: "check_url" }));
    expect(response.status).toBe(200);
    const reply = (await response.json()) as { encrypt: string; msg_signature: string };
    expect(
      decryptEvent(credentials.KEFU_DINGTALK_AES_KEY, reply.encrypt, credentials.KEFU_DINGTALK_APP_KEY),
    ).toBe("success");
  });

  it("refuses a forged sign and a stale timestamp, enqueueing nothing", async () => {
    const before = kefu.stack.inbox.length;
    const userId = `e2e-bad-${process.pid}`;
    const good = dingtalkRobotMessage(credentials, kefu.stack.url, { userId, text: "hello" });
    const forged = { ...good, headers: { ...good.headers, sign: "AAAA" } };
    expect((await post(forged)).status).toBe(401);
    const old = new Date(Date.now() - 2 * 3600_000);
    expect(
      (
        await post(
          dingtalkRobotMessage(credentials, kefu.stack.url, { userId, text: "hello", signedAt: old }),
        )
      ).status,
    ).toBe(401);
    expect((await post({ ...good, body: "{not json" })).status).toBe(400);
    await settle(1000);
    expect(kefu.stack.inbox.length).toBe(before);
  });
});
