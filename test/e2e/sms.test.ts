import { describe, expect, it } from "vitest";
import { smsInbound } from "../../local/platforms/sms";
import type { PlatformRequest } from "../../local/platforms/wechat";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { SmsCredentials } from "../../shared/channels/sms/credentials";
import { smsModule } from "../../shared/channels/sms/module";
import { useTestStack } from "../support/stack";
import { settle, waitFor } from "../support/wait";

/**
 * AWS End User Messaging two-way SMS on one machine: the SNS notification signed by the local SNS key →
 * the webhook (shared SNS verifier) → dedup → queue → worker → SendTextMessage through the real SDK
 * client → the SMS simulator's outbox.
 */
const kefu = useTestStack("sms");
const credentials = credentialsFor(smsModule, demoCredentials()) as SmsCredentials;

const post = (request: PlatformRequest) =>
  fetch(`${kefu.stack.url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
const say = (from: string, text: string, extra: { inboundMessageId?: string; snsMessageId?: string } = {}) =>
  smsInbound(credentials, kefu.stack.url, { from, text, ...extra });
const repliesTo = (number: string) =>
  kefu.stack.outbox.entries.filter((e) => e.channel === "sms" && e.to === number);

describe("a customer question by SMS", () => {
  it("is answered exactly once, even when SNS delivers the notification again", async () => {
    const customer = "+14255550101";
    const notification = say(customer, "怎么申请退货？", {
      inboundMessageId: "e2e-sms-1",
      snsMessageId: "e2e-sns-1",
    });
    const first = await post(notification);
    expect(first.status).toBe(200);
    const [reply] = await waitFor(() => repliesTo(customer).length > 0 && repliesTo(customer), {
      what: "the reply",
    });
    expect(reply?.text).toContain("AI");
    // SNS retries the same notification; End User Messaging could also publish the same message twice.
    expect((await post(notification)).status).toBe(200);
    expect((await post(say(customer, "怎么申请退货？", { inboundMessageId: "e2e-sms-1" }))).status).toBe(200);
    await settle(1500);
    expect(repliesTo(customer)).toHaveLength(1);
    // At most three UCS-2 segments (3 × 67 units), in one message.
    expect(reply?.text.length).toBeLessThanOrEqual(201);
  });
});

describe("a long answer", () => {
  // Settings are read once, when a function starts (as in AWS, where changing one starts new instances):
  // a stack of its own whose SMS replies fit one UCS-2 segment of 70 units.
  const short = useTestStack("sms-short", { settings: { KEFU_SMS_MAX_SEGMENTS: "1" } });
  const shortPost = (request: PlatformRequest) =>
    fetch(`${short.stack.url}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
  const shortSay = (from: string, text: string) => smsInbound(credentials, short.stack.url, { from, text });
  const shortRepliesTo = (number: string) =>
    short.stack.outbox.entries.filter((e) => e.channel === "sms" && e.to === number);

  it("comes within KEFU_SMS_MAX_SEGMENTS with MORE, and MORE sends the rest", async () => {
    const customer = "+14255550104";
    await shortPost(shortSay(customer, "怎么申请退货？"));
    const [first] = await waitFor(() => shortRepliesTo(customer).length > 0 && shortRepliesTo(customer), {
      what: "the reply",
    });
    expect(first?.text.endsWith("回复 MORE 查看更多")).toBe(true);
    expect(first?.text.length).toBeLessThanOrEqual(70);
    await shortPost(shortSay(customer, "MORE"));
    const [, second] = await waitFor(
      () => shortRepliesTo(customer).length === 2 && shortRepliesTo(customer),
      { what: "the next part" },
    );
    expect(second?.text.length).toBeLessThanOrEqual(70);
    await settle(1000);
    expect(shortRepliesTo(customer)).toHaveLength(2);
  });
});

describe("STOP", () => {
  it("gets no reply, and later messages are not answered until START", async () => {
    const customer = "+14255550102";
    expect((await post(say(customer, "STOP"))).status).toBe(200);
    await post(say(customer, "怎么开发票"));
    await waitFor(() => kefu.stack.inbox.some((m) => m.sender === customer), {
      what: "the question to be queued",
    });
    await settle(2000);
    expect(repliesTo(customer)).toHaveLength(0);

    expect((await post(say(customer, "START"))).status).toBe(200);
    await post(say(customer, "怎么开发票"));
    await waitFor(() => repliesTo(customer).length === 1, { what: "the answer after START" });
    expect(repliesTo(customer)[0]?.text).toContain("发票");
  });
});

describe("bad SNS deliveries", () => {
  it("refuses a forged signature, another topic, a malformed Message and an oversized body, queueing nothing", async () => {
    const before = kefu.stack.inbox.length;
    const good = say("+14255550103", "hello");
    const forged = { ...good, body: good.body.replace('\\"hello\\"', '\\"HELLO\\"') };
    expect(forged.body).not.toBe(good.body);
    expect((await post(forged)).status).toBe(401);
    const otherTopic = smsInbound(
      { ...credentials, KEFU_SMS_TOPIC_ARN: "arn:aws:sns:us-east-1:999999999999:elsewhere" },
      kefu.stack.url,
      { from: "+14255550103", text: "hello" },
    );
    expect((await post(otherTopic)).status).toBe(401);
    expect((await post({ ...good, body: "{not json" })).status).toBe(400);
    expect(
      (await post({ ...good, body: `{"Type":"Notification","x":"${"a".repeat(70 * 1024)}"}` })).status,
    ).toBe(400);
    await settle(1000);
    expect(kefu.stack.inbox.length).toBe(before);
  });
});
