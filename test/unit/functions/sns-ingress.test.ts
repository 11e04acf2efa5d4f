import { GetObjectCommand } from "@aws-sdk/client-s3";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { SNSEvent } from "aws-lambda";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeHandler } from "../../../functions/sns-ingress/handler";
import { wireSnsIngress } from "../../../functions/sns-ingress/wiring";
import { lambdaContext } from "../../../local/event-source";
import { LOCAL_EMAIL_TOPIC_ARN, sesNotification, simpleMail } from "../../../local/platforms/email";
import { smsInbound } from "../../../local/platforms/sms";
import { snsEvent } from "../../../local/sns";
import { demoCredentials } from "../../../shared/channels/registry";
import type { SmsCredentials } from "../../../shared/channels/sms/credentials";
import { smsModule } from "../../../shared/channels/sms/module";
import { loadSnsIngressConfig } from "../../../shared/config/load";
import { MESSAGE_LIMITS, QueuedMessageSchema } from "../../../shared/core/message";
import { ingressLambdaHarness } from "../../support/lambda-harness";

/**
 * The SNS ingress Lambda handler (functions/sns-ingress), wired from its configuration as its Lambda
 * entry wires it, driven with the events Lambda gets from SNS, AWS mocked at the SDK boundary: what it
 * enqueues, what it logs, and when it throws (so that Lambda retries, then dead-letters). Local mode,
 * so the channels run on their demo credentials.
 */

const { ddb, sqs, s3, logged, env } = ingressLambdaHarness(demoCredentials());
const US = "support@kefu.example";
const SMS = smsModule.demoCredentials as SmsCredentials;

let invoke: (event: SNSEvent) => Promise<void>;

beforeAll(async () => {
  const handler = makeHandler(wireSnsIngress(loadSnsIngressConfig(env)));
  invoke = (event) => handler(event, lambdaContext("sns-ingress", 3_000));
});

beforeEach(() => {
  // SMS opt-outs and continuations: none stored.
  ddb.on(GetCommand).resolves({});
});

/**
 * The event SNS invokes the function with for one mail, with the given receipt fields. Mail over
 * 150 KB goes by the S3 action, whose object the mocked S3 serves.
 */
async function mail(raw: string, receipt: Record<string, unknown> = {}): Promise<SNSEvent> {
  const notification = JSON.parse(
    await sesNotification({
      raw,
      recipient: US,
      bucket: "inbound-mail",
      putObject: async (_bucket, _key, bytes) => {
        s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => bytes } as never });
      },
    }),
  );
  // SES lists the headers in the notification only up to 10 KB.
  if (JSON.stringify(notification.mail.headers).length > 10_240) {
    Object.assign(notification.mail, { headers: [], commonHeaders: {}, headersTruncated: true });
  }
  Object.assign(notification.receipt, receipt);
  return snsEvent({ TopicArn: LOCAL_EMAIL_TOPIC_ARN, Message: JSON.stringify(notification) });
}

/** The event for one inbound SMS, as End User Messaging publishes it to the SMS topic. */
const sms = (text: string, inboundMessageId?: string) =>
  snsEvent(
    JSON.parse(
      smsInbound(SMS, { from: "+14255550101", text, ...(inboundMessageId ? { inboundMessageId } : {}) }).body,
    ),
  );

/** A mail with the given extra header lines and plain-text body, as a client would send it. */
const rawMail = (headers: string, body = "Where is my refund?") =>
  `From: Li Hua <li.hua@customer.example>\r\nTo: ${US}\r\n${headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`;

const queueBodies = () =>
  sqs.commandCalls(SendMessageCommand).map((c) => String(c.args[0].input.MessageBody));

/** Each log line as [level, message, code]. */
const lines = () => logged.map((l) => [l.level, l.entry.message, l.entry.code]);

describe("what the SNS ingress puts on the queue", () => {
  it.each([
    [
      "a subject of 130 000 control characters (was a 792 KB queue body)",
      rawMail(`Subject: ${"\x01\x02".repeat(65_000)}\r\nMessage-ID: <a@c.example>\r\n`),
    ],
    [
      "a Message-ID of 130 000 characters (was 390 KB)",
      rawMail(`Subject: x\r\nMessage-ID: <${"y".repeat(130_000)}@c.example>\r\n`),
    ],
    [
      "3000 References",
      rawMail(
        `Subject: x\r\nMessage-ID: <m@c.example>\r\nReferences: ${Array.from({ length: 3000 }, (_, i) => `<r${i}-${"x".repeat(30)}@c.example>`).join("\r\n ")}\r\n`,
      ),
    ],
    [
      "a display name of 100 000 characters",
      rawMail("Subject: x\r\n").replace("Li Hua", "n".repeat(100_000)),
    ],
    ["a body of 46 000 characters", rawMail("Subject: x\r\n", "请问".repeat(23_000))],
    [
      "a 333 KB mail through the S3 action (was a 1.2 MB queue body)",
      rawMail(
        `Subject: ${"\x01\x02".repeat(100_000)}\r\nMessage-ID: <${"y".repeat(100_000)}@c.example>\r\n`,
        "x".repeat(30_000),
      ),
    ],
  ])("keeps every field within its limit for %s", async (_label, raw) => {
    await invoke(await mail(raw));
    const [body, ...more] = queueBodies();
    expect(more).toEqual([]);
    expect(Buffer.byteLength(body ?? "")).toBeLessThan(24 * 1024);
    const message = QueuedMessageSchema.parse(JSON.parse(body ?? ""));
    for (const value of Object.values(message.replyContext)) {
      expect(value.length).toBeLessThanOrEqual(MESSAGE_LIMITS.replyContextValueChars);
    }
  });

  it("describes at most 20 of 300 attachments, with their names cut", async () => {
    const parts = Array.from(
      { length: 300 },
      (_, i) =>
        `--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="${i}-${"n".repeat(300)}.pdf"\r\n\r\nx\r\n`,
    ).join("");
    const raw = `From: li.hua@customer.example\r\nTo: ${US}\r\nSubject: invoices\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nthe invoices\r\n${parts}--b--\r\n`;
    await invoke(await mail(raw));
    const message = QueuedMessageSchema.parse(JSON.parse(queueBodies()[0] ?? ""));
    expect(message.attachments).toHaveLength(MESSAGE_LIMITS.attachments);
    expect(message.attachments[0]?.name?.endsWith("…")).toBe(true);
  });

  it("masks personal data in the text and the subject before the message leaves the function", async () => {
    const raw = rawMail(
      `Subject: =?UTF-8?B?${Buffer.from("退款 13812345678").toString("base64")}?=\r\n`,
      "身份证 11010519491231002X，电话 13812345678",
    );
    await invoke(await mail(raw));
    const [body = ""] = queueBodies();
    expect(body).not.toMatch(/13812345678|11010519491231002X/);
    const message = QueuedMessageSchema.parse(JSON.parse(body));
    expect(message.text).toBe("身份证 110***********002X，电话 138****5678");
    expect(message.replyContext.subject).toBe("退款 138****5678");
    // The address the reply goes to is routing data, kept as it is.
    expect(message.sender.id).toBe("li.hua@customer.example");
  });

  it("queues an inbound SMS from its topic, and an SNS redelivery of it under the same deduplication id", async () => {
    const event = sms("怎么申请退货？", "sms-in-1");
    await invoke(event);
    const message = QueuedMessageSchema.parse(JSON.parse(queueBodies()[0] ?? ""));
    expect(message).toMatchObject({ channel: "sms", id: "sms-in-1", sender: { id: "+14255550101" } });
    expect(logged.map((l) => [l.entry.message, l.entry.channel, l.entry.result])).toEqual([
      ["notification message", "sms", "enqueued"],
    ]);

    // Lambda's retry of the event (or End User Messaging publishing it twice): sent again, with the same
    // ids, so the FIFO queue keeps one (test/integration/ingress-queue.test.ts shows it does).
    await invoke(event);
    const ids = sqs
      .commandCalls(SendMessageCommand)
      .map((c) => [c.args[0].input.MessageGroupId, c.args[0].input.MessageDeduplicationId]);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toEqual(ids[0]);
    expect(ddb.commandCalls(PutCommand)).toEqual([]);
  });
});

describe("what the SNS ingress does with what it cannot store", () => {
  it("throws when the queue refuses, so Lambda retries the event", async () => {
    sqs.on(SendMessageCommand).rejects(new Error("queue unavailable"));
    await expect(invoke(sms("hello"))).rejects.toMatchObject({ code: "enqueue_failed" });
    expect(lines()).toEqual([["error", "notification failed", "enqueue_failed"]]);
    expect(JSON.stringify(logged)).toContain("queue unavailable");
    expect(JSON.stringify(logged)).not.toMatch(/hello|14255550101/);
  });

  it.each([
    ["a Message that is not JSON", "{not json", LOCAL_EMAIL_TOPIC_ARN, "malformed_request"],
    [
      "another SES notification type",
      JSON.stringify({ notificationType: "Bounce", bounce: {} }),
      LOCAL_EMAIL_TOPIC_ARN,
      "unexpected_notification",
    ],
    [
      "an SMS Message over the limit",
      `{"x":"${"a".repeat(70 * 1024)}"}`,
      SMS.KEFU_SMS_TOPIC_ARN,
      "payload_too_large",
    ],
    ["an SMS Message that is not an inbound SMS", '{"hello":1}', SMS.KEFU_SMS_TOPIC_ARN, "malformed_request"],
    ["a topic no channel owns", "{}", "arn:aws:sns:us-east-1:000000000000:elsewhere", "unknown_topic"],
  ])(
    "refuses %s: WARN with its code and ids, then throws, so that it ends in the failure queue",
    async (_label, Message, TopicArn, code) => {
      const event = snsEvent({ TopicArn, Message, MessageId: "n-1" });
      await expect(invoke(event)).rejects.toMatchObject({ code });
      expect(lines()).toEqual([["warn", "notification rejected", code]]);
      expect(logged[0]?.entry).toMatchObject({ snsMessageId: "n-1", topicArn: TopicArn });
      expect(JSON.stringify(logged)).not.toContain("aaaa");
      expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    },
  );

  it("ignores SES's setup notification without throwing (nothing to retry)", async () => {
    const setup = JSON.stringify({ notificationType: "AmazonSnsSubscriptionSucceeded" });
    await invoke(snsEvent({ TopicArn: LOCAL_EMAIL_TOPIC_ARN, Message: setup }));
    expect(lines()).toEqual([["info", "notification ignored", "setup_notification"]]);
  });

  it("logs a mail refused for its unauthenticated sender as WARN with the verdicts, never the address", async () => {
    const raw = simpleMail({ from: "ceo@bank.example", to: US, subject: "x", text: "hi" });
    const forged = await mail(raw, {
      spfVerdict: { status: "FAIL" },
      dkimVerdict: { status: "GRAY" },
      dmarcVerdict: { status: "FAIL" },
      dmarcPolicy: "quarantine",
    });
    await invoke(forged);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(logged.map((l) => [l.level, l.entry.message])).toEqual([["warn", "notification refused sender"]]);
    expect(logged[0]?.entry).toMatchObject({
      channel: "email",
      code: "sender_unauthenticated",
      reason: "dmarc_fail",
      dmarc: "FAIL",
      spf: "FAIL",
      dkim: "GRAY",
      dmarcPolicy: "quarantine",
    });
    expect(JSON.stringify(logged)).not.toContain("bank.example");
  });
});
