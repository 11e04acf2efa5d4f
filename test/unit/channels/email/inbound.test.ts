import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { sesNotification, simpleMail } from "../../../../local/platforms/email";
import {
  localSnsCertificatePem,
  signSnsNotification,
  signSnsSubscriptionConfirmation,
} from "../../../../local/simulator/sns-signer";
import { createEmailInbound, type EmailInboundOptions } from "../../../../shared/channels/email/inbound";
import type { WebhookOutcome, WebhookRequest } from "../../../../shared/channels/types";
import { PayloadTooLargeError, SignatureError } from "../../../../shared/core/errors";
import { InboundMessageSchema } from "../../../../shared/core/message";
import { sharedDataPath } from "../../../support/shared-data";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:kefu-email";
const CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem";
const US = "support@kefu.example";
const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/email/${name}`, import.meta.url));

function adapter(overrides: Partial<EmailInboundOptions> = {}) {
  const blobs = { get: vi.fn(async (_b: string, _k: string): Promise<Uint8Array> => new Uint8Array()) };
  const confirmSubscription = vi.fn(async (_url: string) => {});
  const inbound = createEmailInbound({
    address: US,
    domains: ["kefu.example", "kefu-mail.example"],
    topicArns: [TOPIC],
    local: false,
    maxBodyBytes: 256 * 1024,
    blobs,
    fetchCertificate: async () => localSnsCertificatePem(),
    confirmSubscription,
    ...overrides,
  });
  return { inbound, blobs, confirmSubscription };
}

async function delivery(
  raw: Uint8Array | string,
  options: {
    topicArn?: string;
    sesMessageId?: string;
    spamVerdict?: "FAIL";
    bucket?: string;
    putObject?: never;
  } = {},
): Promise<WebhookRequest> {
  const message = await sesNotification({ raw, baseUrl: "https://unused", recipient: US, ...options });
  const body = signSnsNotification({ topicArn: options.topicArn ?? TOPIC, message, certUrl: CERT_URL });
  return {
    method: "POST",
    path: "/webhooks/email",
    query: {},
    rawQueryString: "",
    headers: {},
    body,
    receivedAt: new Date(),
  };
}

const mailFrom = (from: string, extra = "") =>
  `From: ${from}\r\nTo: ${US}\r\nSubject: refund\r\nMessage-ID: <m-${Math.random()}@customer.example>\r\n${extra}\r\nWhere is my refund?\r\n`;

function enqueued(outcome: WebhookOutcome) {
  if (outcome.kind !== "enqueue") throw new Error(`expected enqueue, got ${outcome.kind}`);
  expect(outcome.ack.status).toBe(200);
  return outcome.messages;
}

describe("e-mail inbound", () => {
  it("turns a signed SES notification into one valid message keyed by the SES message id", async () => {
    const { inbound } = adapter();
    const request = await delivery(fixture("zh-reply-gb2312.eml"), { sesMessageId: "ses-0001" });
    const [message, ...rest] = enqueued(await inbound.handle(request));
    expect(rest).toEqual([]);
    expect(InboundMessageSchema.parse(message)).toBeTruthy();
    expect(message).toMatchObject({
      id: "ses-0001",
      channel: "email",
      conversationKey: `email:${US}:<first-1@customer.example>`,
      sender: { id: "li.hua@customer.example", name: "Li Hua" },
      recipient: US,
      kind: "text",
      text: "我还没有收到退款，订单号 12345。",
      replyContext: {
        messageId: "<reply-2@customer.example>",
        references:
          "<first-1@customer.example> <0100018f-kefu-answer@email.amazonses.com> <reply-2@customer.example>",
        subject: "Re: 退货申请",
        from: "li.hua@customer.example",
        to: US,
      },
    });
  });

  it("keeps one conversation for a whole reply chain", async () => {
    const { inbound } = adapter();
    const first = simpleMail({
      from: "a@customer.example",
      to: US,
      subject: "lamp",
      text: "Where is my lamp?",
      messageId: "<root@c.example>",
    });
    const second = simpleMail({
      from: "a@customer.example",
      to: US,
      subject: "Re: lamp",
      text: "Any news?",
      messageId: "<second@c.example>",
      inReplyTo: "<ses-answer@email.amazonses.com>",
      references: ["<root@c.example>", "<ses-answer@email.amazonses.com>"],
    });
    const onlyInReplyTo = simpleMail({
      from: "a@customer.example",
      to: US,
      subject: "Re: lamp",
      text: "Hello?",
      inReplyTo: "<root@c.example>",
    });
    const keys = await Promise.all(
      [first, second, onlyInReplyTo].map(
        async (raw) => enqueued(await inbound.handle(await delivery(raw)))[0]?.conversationKey,
      ),
    );
    expect(new Set(keys)).toEqual(new Set([`email:${US}:<root@c.example>`]));
  });

  it("reads mail over 150 KB from S3 (the S3 action)", async () => {
    const big = mailFrom("big@customer.example", `X-Pad: ${"x".repeat(10)}\r\n`).replace(
      "Where is my refund?",
      `Where is my refund?\r\n\r\n-- \r\n${"signature line\r\n".repeat(12_000)}`,
    );
    const stored = new Map<string, Uint8Array>();
    const request = await delivery(big, {
      bucket: "mail-bucket",
      putObject: (async (b: string, k: string, bytes: Uint8Array) =>
        void stored.set(`${b}/${k}`, bytes)) as never,
    });
    expect(JSON.parse(JSON.parse(request.body).Message).content).toBeUndefined();
    const { inbound, blobs } = adapter();
    blobs.get.mockImplementation(async (b, k) => stored.get(`${b}/${k}`) ?? new Uint8Array());
    const [message] = enqueued(await inbound.handle(request));
    expect(blobs.get).toHaveBeenCalledWith("mail-bucket", expect.stringMatching(/^inbound-mail\//));
    expect(message?.text).toBe("Where is my refund?");
    expect(message?.rawRef).toMatch(/^s3:\/\/mail-bucket\/inbound-mail\//);
  });

  it("lists attachments on the message, not their content", async () => {
    const devFile = sharedDataPath("dev", "emails", "nodemailer_unicode_attachments.eml");
    const { inbound } = adapter();
    const [message] = enqueued(await inbound.handle(await delivery(readFileSync(devFile))));
    expect(message?.attachments.map((a) => a.name)).toEqual(
      expect.arrayContaining(["image.png", "nyan cat ✔.gif", "notes.txt"]),
    );
    expect(JSON.stringify(message)).not.toContain("base64");
  });

  it.each([
    ["an auto-reply", fixture("auto-reply.eml"), {}],
    ["mail from our own address", mailFrom(US), {}],
    ["mail from one of our domains", mailFrom("noreply@kefu-mail.example"), {}],
    ["a bounce from MAILER-DAEMON", mailFrom("MAILER-DAEMON@amazonses.com"), {}],
    ["SES spam verdict FAIL", mailFrom("a@customer.example"), { spamVerdict: "FAIL" as const }],
  ])("acknowledges %s without enqueueing anything", async (_label, raw, options) => {
    const { inbound } = adapter();
    const outcome = await inbound.handle(await delivery(raw, options));
    expect(outcome).toEqual({ kind: "respond", response: expect.objectContaining({ status: 200 }) });
  });

  it("refuses notifications from a topic that is not ours, even correctly signed", async () => {
    const { inbound } = adapter();
    const request = await delivery(mailFrom("a@customer.example"), {
      topicArn: "arn:aws:sns:us-east-1:666:attacker",
    });
    await expect(inbound.handle(request)).rejects.toBeInstanceOf(SignatureError);
  });

  it("refuses everything in AWS when no topic is configured", async () => {
    const { inbound } = adapter({ topicArns: [] });
    await expect(inbound.handle(await delivery(mailFrom("a@customer.example")))).rejects.toBeInstanceOf(
      SignatureError,
    );
  });

  it("refuses a tampered notification", async () => {
    const { inbound } = adapter();
    const request = await delivery(mailFrom("a@customer.example"));
    const json = JSON.parse(request.body);
    json.Message = json.Message.replace("PASS", "PASS ");
    await expect(inbound.handle({ ...request, body: JSON.stringify(json) })).rejects.toBeInstanceOf(
      SignatureError,
    );
  });

  it("refuses bodies over the limit before verifying them", async () => {
    const { inbound } = adapter({ maxBodyBytes: 100 });
    await expect(inbound.handle(await delivery(mailFrom("a@customer.example")))).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
  });

  it("confirms a subscription to our topic by visiting its SNS SubscribeURL", async () => {
    const { inbound, confirmSubscription } = adapter();
    const subscribeUrl = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=t`;
    const body = signSnsSubscriptionConfirmation({ topicArn: TOPIC, certUrl: CERT_URL, subscribeUrl });
    const outcome = await inbound.handle({
      method: "POST",
      path: "/webhooks/email",
      query: {},
      rawQueryString: "",
      headers: {},
      body,
      receivedAt: new Date(),
    });
    expect(outcome.kind).toBe("respond");
    expect(confirmSubscription).toHaveBeenCalledWith(subscribeUrl);
  });

  it("never confirms a subscription to someone else's topic", async () => {
    const { inbound, confirmSubscription } = adapter();
    const other = "arn:aws:sns:us-east-1:666:attacker";
    const body = signSnsSubscriptionConfirmation({
      topicArn: other,
      certUrl: CERT_URL,
      subscribeUrl: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${other}&Token=t`,
    });
    await expect(
      inbound.handle({
        method: "POST",
        path: "/webhooks/email",
        query: {},
        rawQueryString: "",
        headers: {},
        body,
        receivedAt: new Date(),
      }),
    ).rejects.toBeInstanceOf(SignatureError);
    expect(confirmSubscription).not.toHaveBeenCalled();
  });

  it("in local mode trusts the simulator certificate and skips the confirmation GET", async () => {
    const { inbound, confirmSubscription } = adapter({
      local: true,
      topicArns: [],
      fetchCertificate: async (url) => {
        expect(url).toBe("http://127.0.0.1:3000/sim/sns/cert.pem");
        return localSnsCertificatePem();
      },
    });
    const body = signSnsSubscriptionConfirmation({
      topicArn: TOPIC,
      certUrl: "http://127.0.0.1:3000/sim/sns/cert.pem",
      subscribeUrl: "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t",
    });
    const outcome = await inbound.handle({
      method: "POST",
      path: "/webhooks/email",
      query: {},
      rawQueryString: "",
      headers: {},
      body,
      receivedAt: new Date(),
    });
    expect(outcome.kind).toBe("respond");
    expect(confirmSubscription).not.toHaveBeenCalled();
  });

  it("uses the subject when the body is empty", async () => {
    const { inbound } = adapter();
    const raw = `From: d@customer.example\r\nTo: ${US}\r\nSubject: How do I get an invoice?\r\nMessage-ID: <s@c.example>\r\n\r\n\r\n`;
    const [message] = enqueued(await inbound.handle(await delivery(raw)));
    expect(message?.text).toBe("How do I get an invoice?");
  });
});
