import { describe, expect, it } from "vitest";
import { smsInbound } from "../../local/platforms/sms";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { SmsCredentials } from "../../shared/channels/sms/credentials";
import { smsModule } from "../../shared/channels/sms/module";
import { useTestStack } from "../support/stack";
import { settle, waitFor } from "../support/wait";

/**
 * AWS End User Messaging two-way SMS on one machine: published to the SMS topic of the local SNS → the
 * SNS ingress, invoked with the event Lambda gets from SNS → the FIFO queue (deduplicating) → worker → SendTextMessage
 * through the real SDK client → the SMS simulator's outbox.
 */
const kefu = useTestStack("sms");
const credentials = credentialsFor(smsModule, demoCredentials()) as SmsCredentials;

const post = kefu.deliver;
const say = (from: string, text: string, extra: { inboundMessageId?: string; snsMessageId?: string } = {}) =>
  smsInbound(credentials, { from, text, ...extra });
const repliesTo = (number: string) => kefu.repliesTo("sms", number);

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
  const shortPost = short.deliver;
  const shortSay = (from: string, text: string) => smsInbound(credentials, { from, text });
  const shortRepliesTo = (number: string) => short.repliesTo("sms", number);

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

describe("bad SNS notifications", () => {
  it("keeps a malformed Message, an oversized one and another notification in the failures after Lambda's retries, queueing nothing", async () => {
    const before = kefu.stack.inbox.length;
    const good = say("+14255550103", "hello");
    const publish = JSON.parse(good.body) as { TopicArn: string; Message: string };
    // label → [Message, the code it is refused with]
    const bad: Record<string, [string, string]> = {
      "not JSON": ["{not json", "malformed_request"],
      oversized: [`{"x":"${"a".repeat(70 * 1024)}"}`, "payload_too_large"],
      // An SES notification on the SMS topic: not an inbound SMS.
      "another notification": [
        JSON.stringify({ notificationType: "Received", mail: {} }),
        "malformed_request",
      ],
    };
    const published = new Map<string, string>();
    for (const [label, [Message, code]] of Object.entries(bad)) {
      const response = await post({ ...good, body: JSON.stringify({ ...publish, Message }) });
      // SNS took it; the function's first attempt failed, as its trace says.
      expect(response.status).toBe(200);
      const trace = await (
        await fetch(`${kefu.stack.url}/dev/traces/${response.headers.get("x-kefu-trace")}`)
      ).json();
      // A body over the cap is refused as too large (413), anything else as malformed (400).
      expect(trace).toMatchObject({ status: code === "payload_too_large" ? 413 : 400, error: code });
      published.set(((await response.json()) as { MessageId: string }).MessageId, label);
    }
    // Retried twice as Lambda retries an async invocation, then kept as its on-failure destination keeps it.
    const failures = await waitFor(
      async () => {
        const all = (await (await fetch(`${kefu.stack.url}/dev/sns-failures`)).json()) as {
          messageId: string;
          attempts: number;
          error: string;
        }[];
        const ours = all.filter((f) => published.has(f.messageId));
        return ours.length === published.size && ours;
      },
      { what: "the failed notifications", timeoutMs: 20_000 },
    );
    expect(failures.map((f) => [published.get(f.messageId), f.attempts, f.error]).sort()).toEqual([
      ["another notification", 3, "malformed_request"],
      ["not JSON", 3, "malformed_request"],
      ["oversized", 3, "payload_too_large"],
    ]);
    expect(kefu.stack.inbox.length).toBe(before);
  });

  it("refuses a topic the function is not subscribed to, as SNS refuses a topic that does not exist", async () => {
    const otherTopic = smsInbound(
      { ...credentials, KEFU_SMS_TOPIC_ARN: "arn:aws:sns:us-east-1:999999999999:elsewhere" },
      { from: "+14255550103", text: "hello" },
    );
    expect((await post(otherTopic)).status).toBe(404);
  });
});
