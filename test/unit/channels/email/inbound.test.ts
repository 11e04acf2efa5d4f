import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { sesNotification, simpleMail } from "../../../../local/platforms/email";
import { createEmailInbound, type EmailInboundOptions } from "../../../../shared/channels/email/inbound";
import { emailModule } from "../../../../shared/channels/email/module";
import { UnexpectedNotificationError } from "../../../../shared/channels/email/ses";
import type { SnsNotification, WebhookOutcome } from "../../../../shared/channels/ports";
import { credentialsFor } from "../../../../shared/channels/registry";
import { channelSettingsFromEnv, emailAuthMode } from "../../../../shared/config/channels";
import { MalformedRequestError, PayloadTooLargeError } from "../../../../shared/core/errors";
import { InboundMessageSchema } from "../../../../shared/core/message";
import { sharedDataPath } from "../../../support/shared-data";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:kefu-email";
const US = "support@kefu.example";
const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/email/${name}`, import.meta.url));

function adapter(overrides: Partial<EmailInboundOptions> = {}) {
  const blobs = { get: vi.fn(async (_b: string, _k: string): Promise<Uint8Array> => new Uint8Array()) };
  const inbound = createEmailInbound({
    address: US,
    domains: ["kefu.example", "kefu-mail.example"],
    topicArns: [TOPIC],
    local: false,
    maxBodyBytes: 256 * 1024,
    blobs,
    ...overrides,
  });
  return { inbound, blobs };
}

async function delivery(
  raw: Uint8Array | string,
  options: {
    topicArn?: string;
    sesMessageId?: string;
    spamVerdict?: "FAIL";
    bucket?: string;
    putObject?: never;
    /** Receipt fields to set as SES would (verdicts, dmarcPolicy); `null` removes one. */
    receipt?: Record<string, unknown>;
    /** The envelope sender (MAIL FROM) SES reports in `mail.source`. */
    source?: string;
  } = {},
): Promise<SnsNotification> {
  const notification = JSON.parse(await sesNotification({ raw, recipient: US, ...options }));
  for (const [name, value] of Object.entries(options.receipt ?? {})) {
    if (value === null) delete notification.receipt[name];
    else notification.receipt[name] = value;
  }
  if (options.source !== undefined) notification.mail.source = options.source;
  return snsNotification(JSON.stringify(notification), options.topicArn);
}

/** The notification as the Lambda subscription hands it over (the SNSEvent record's Sns). */
const snsNotification = (message: string, topicArn = TOPIC): SnsNotification => ({
  topicArn,
  messageId: "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
  timestamp: new Date().toISOString(),
  subject: "Amazon SES Email Receipt Notification",
  message,
  receivedAt: new Date(),
});

const mailFrom = (from: string, extra = "") =>
  `From: ${from}\r\nTo: ${US}\r\nSubject: refund\r\nMessage-ID: <m-${Math.random()}@customer.example>\r\n${extra}\r\nWhere is my refund?\r\n`;

function enqueued(outcome: WebhookOutcome) {
  if (outcome.kind !== "enqueue") throw new Error(`expected enqueue, got ${outcome.kind}`);
  return outcome.messages;
}

describe("e-mail inbound", () => {
  it("turns an SES notification into one valid message keyed by the SES message id", async () => {
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
    expect(JSON.parse(request.message).content).toBeUndefined();
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
    ["an auto-reply", fixture("auto-reply.eml"), {}, "automated"],
    ["mail from our own address", mailFrom(US), {}, "own_mail"],
    ["mail from one of our domains", mailFrom("noreply@kefu-mail.example"), {}, "own_mail"],
    ["a bounce from MAILER-DAEMON", mailFrom("MAILER-DAEMON@amazonses.com"), {}, "automated"],
    ["SES spam verdict FAIL", mailFrom("a@customer.example"), { spamVerdict: "FAIL" as const }, "spam"],
    [
      "a newsletter (List-Unsubscribe)",
      mailFrom("news@shop.example", "List-Unsubscribe: <mailto:u@shop.example>\r\n"),
      {},
      "spam_content",
    ],
    [
      "mail an upstream filter flagged",
      mailFrom("a@customer.example", "X-Spam-Flag: YES\r\n"),
      {},
      "spam_content",
    ],
    [
      "Chinese invoice spam SES let through",
      readFileSync(sharedDataPath("dev", "emails", "spamscope_zh_spam_gb2312_8bit.eml")),
      {},
      "spam_content",
    ],
  ])("acknowledges %s without enqueueing anything, saying why", async (_label, raw, options, code) => {
    const { inbound } = adapter();
    const outcome = await inbound.handle(await delivery(raw, options));
    expect(outcome).toEqual({
      kind: "respond",
      response: expect.anything(),
      ignored: expect.objectContaining({ code }),
    });
  });

  describe("sender authentication (SPF, DKIM, DMARC verdicts)", () => {
    const verdicts = (spf: string, dkim: string, dmarc: string, extra: Record<string, unknown> = {}) => ({
      receipt: {
        spfVerdict: { status: spf },
        dkimVerdict: { status: dkim },
        dmarcVerdict: { status: dmarc },
        ...extra,
      },
    });
    const signedBy = (...domains: string[]) =>
      domains.map((d) => `DKIM-Signature: v=1; a=rsa-sha256; d=${d}; s=sel;\r\n b=abc\r\n`).join("");
    const victim = "ceo@bank.example";

    it("does not answer a forged From that fails SPF, DKIM and DMARC, and says why", async () => {
      const { inbound } = adapter();
      const outcome = await inbound.handle(
        await delivery(mailFrom(victim), verdicts("FAIL", "FAIL", "FAIL", { dmarcPolicy: "reject" })),
      );
      expect(outcome).toEqual({
        kind: "respond",
        response: expect.objectContaining({ status: 200 }),
        ignored: {
          code: "sender_unauthenticated",
          refused: true,
          detail: { reason: "dmarc_fail", dmarc: "FAIL", spf: "FAIL", dkim: "FAIL", dmarcPolicy: "reject" },
        },
      });
      expect(JSON.stringify(outcome)).not.toContain(victim);
    });

    it.each([
      ["DMARC fails even though SPF passed for another domain", "PASS", "GRAY", "FAIL", "", "dmarc_fail"],
      ["no DMARC, SPF passes for an unrelated envelope sender", "PASS", "GRAY", "GRAY", "", "not_aligned"],
      [
        "no DMARC, DKIM passes for another domain only",
        "FAIL",
        "PASS",
        "GRAY",
        "evil.example",
        "not_aligned",
      ],
      [
        "no DMARC, DKIM passes but one signature is another domain's",
        "FAIL",
        "PASS",
        "GRAY",
        "bank.example evil.example",
        "not_aligned",
      ],
      ["no DMARC, nothing passes", "FAIL", "FAIL", "GRAY", "", "not_aligned"],
      ["no verdicts at all (a rule that does not scan)", null, null, null, "", "not_aligned"],
      [
        "DMARC could not be checked and nothing aligned passes",
        "FAIL",
        "GRAY",
        "PROCESSING_FAILED",
        "",
        "not_aligned",
      ],
    ])("refuses when %s", async (_label, spf, dkim, dmarc, dkimDomains, reason) => {
      const { inbound } = adapter();
      const receipt =
        spf === null
          ? { receipt: { spfVerdict: null, dkimVerdict: null, dmarcVerdict: null } }
          : verdicts(spf, dkim ?? "", dmarc ?? "");
      const extra = dkimDomains ? signedBy(...dkimDomains.split(" ")) : "";
      const outcome = await inbound.handle(
        await delivery(mailFrom(victim, extra), { ...receipt, source: "bounce@mailer.example" }),
      );
      expect(outcome.kind).toBe("respond");
      expect(outcome.kind === "respond" && outcome.ignored).toMatchObject({
        code: "sender_unauthenticated",
        refused: true,
        detail: { reason },
      });
    });

    it.each([
      ["DMARC passes", "FAIL", "FAIL", "PASS", "", "x@elsewhere.example"],
      [
        "no DMARC, SPF passes for a subdomain of the From domain",
        "PASS",
        "GRAY",
        "GRAY",
        "",
        "b@bounce.bank.example",
      ],
      ["no DMARC, DKIM passes with the From domain's signature", "FAIL", "PASS", "GRAY", "bank.example", ""],
      [
        "DMARC could not be checked, aligned DKIM passes",
        "GRAY",
        "PASS",
        "PROCESSING_FAILED",
        "mail.bank.example",
        "",
      ],
    ])("answers when %s", async (_label, spf, dkim, dmarc, dkimDomain, source) => {
      const { inbound } = adapter();
      const raw = mailFrom(victim, dkimDomain ? signedBy(dkimDomain) : "");
      const [message] = enqueued(
        await inbound.handle(
          await delivery(raw, { ...verdicts(spf, dkim, dmarc), ...(source ? { source } : {}) }),
        ),
      );
      expect(message?.sender.id).toBe(victim);
    });

    it("in dmarc mode answers only DMARC PASS, not a domain without DMARC", async () => {
      const { inbound } = adapter({ auth: "dmarc" });
      const aligned = await delivery(
        mailFrom(victim, signedBy("bank.example")),
        verdicts("PASS", "PASS", "GRAY"),
      );
      const outcome = await inbound.handle(aligned);
      expect(outcome.kind === "respond" && outcome.ignored?.detail?.reason).toBe("dmarc_required");
      enqueued(await inbound.handle(await delivery(mailFrom(victim), verdicts("PASS", "PASS", "PASS"))));
    });

    it("answers everyone when the check is off (spam and virus verdicts still apply)", async () => {
      const { inbound } = adapter({ auth: "off" });
      enqueued(await inbound.handle(await delivery(mailFrom(victim), verdicts("FAIL", "FAIL", "FAIL"))));
    });

    it("refuses a mail with two authors, whose DMARC pass may be the other one's", async () => {
      const { inbound } = adapter();
      const twoFroms = `From: ${victim}\r\n${mailFrom("me@attacker.example")}`;
      const twoInOne = mailFrom(`${victim}, me@attacker.example`);
      for (const raw of [twoFroms, twoInOne]) {
        const outcome = await inbound.handle(await delivery(raw, verdicts("PASS", "PASS", "PASS")));
        expect(outcome.kind === "respond" && outcome.ignored?.detail?.reason).toBe("from_ambiguous");
      }
    });

    it("reads KEFU_EMAIL_AUTH, aligned by default, and refuses a value it does not know", () => {
      expect(emailAuthMode(undefined)).toBe("aligned");
      expect(emailAuthMode("")).toBe("aligned");
      expect(emailAuthMode("dmarc")).toBe("dmarc");
      expect(emailAuthMode("off")).toBe("off");
      expect(() => emailAuthMode("strict")).toThrow(/KEFU_EMAIL_AUTH must be one of aligned, dmarc, off/);
    });

    it("takes KEFU_EMAIL_AUTH from the secret, like the channel's other settings, or the environment", async () => {
      const request = await delivery(mailFrom(victim), verdicts("FAIL", "FAIL", "FAIL"));
      const context = {
        timestampWindowSeconds: 300,
        maxBodyBytes: 256 * 1024,
        apiBase: "",
        local: false,
        region: "us-east-1",
        state: { get: async () => undefined, put: async () => {}, putIfRevision: async () => true },
        blobs: { get: async () => new Uint8Array() },
        tokenProvider: () => ({ token: async () => "t", invalidate: async () => {} }) as never,
      };
      const credentials = { KEFU_EMAIL_FROM: US, KEFU_EMAIL_TOPIC_ARNS: TOPIC };
      const notifications = emailModule.notifications;
      if (!notifications) throw new Error("e-mail arrives through SNS");
      const fromSecret = notifications(
        { ...credentials, KEFU_EMAIL_AUTH: "off" },
        { ...context, settings: channelSettingsFromEnv({}) },
      );
      const fromEnv = notifications(credentials, {
        ...context,
        settings: channelSettingsFromEnv({ KEFU_EMAIL_AUTH: "off" }),
      });
      const byDefault = notifications(credentials, {
        ...context,
        settings: channelSettingsFromEnv({}),
      });
      expect((await fromSecret.handle(request)).kind).toBe("enqueue");
      expect((await fromEnv.handle(request)).kind).toBe("enqueue");
      expect((await byDefault.handle(request)).kind).toBe("respond");
      expect(() =>
        credentialsFor(emailModule as never, { ...credentials, KEFU_EMAIL_AUTH: "strict" }),
      ).toThrow(/KEFU_EMAIL_AUTH/);
    });
  });

  it("owns its configured topics only, and in AWS none when none is configured", () => {
    expect(adapter().inbound.accepts(TOPIC)).toBe(true);
    expect(adapter().inbound.accepts("arn:aws:sns:us-east-1:666666666666:attacker")).toBe(false);
    expect(adapter({ topicArns: [] }).inbound.accepts(TOPIC)).toBe(false);
    // Locally, without topics configured, the simulated topic is the e-mail one.
    expect(adapter({ topicArns: [], local: true }).inbound.accepts(TOPIC)).toBe(true);
  });

  it("refuses a Message over the limit before parsing it", async () => {
    const { inbound } = adapter({ maxBodyBytes: 100 });
    await expect(inbound.handle(await delivery(mailFrom("a@customer.example")))).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
  });

  it("refuses a Message that is not JSON, or not a well-formed receipt notification", async () => {
    const { inbound } = adapter();
    await expect(inbound.handle(snsNotification("{not json"))).rejects.toBeInstanceOf(MalformedRequestError);
    const received = JSON.stringify({ notificationType: "Received", mail: {} });
    await expect(inbound.handle(snsNotification(received))).rejects.toThrow(/mail\.messageId/);
  });

  it("refuses another SES notification type (a bounce topic wired here), naming the type only", async () => {
    const { inbound } = adapter();
    const bounce = JSON.stringify({ notificationType: "Bounce", bounce: { bouncedRecipients: [] } });
    const error = await inbound.handle(snsNotification(bounce)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedNotificationError);
    expect(error).toMatchObject({ code: "unexpected_notification", notificationType: "Bounce" });
  });

  it("ignores the notification SES sends once when the topic is set up", async () => {
    const { inbound } = adapter();
    const setup = JSON.stringify({ notificationType: "AmazonSnsSubscriptionSucceeded", message: "…" });
    const outcome = await inbound.handle(snsNotification(setup));
    expect(outcome).toMatchObject({ kind: "respond", ignored: { code: "setup_notification" } });
  });

  it("uses the subject when the body is empty", async () => {
    const { inbound } = adapter();
    const raw = `From: d@customer.example\r\nTo: ${US}\r\nSubject: How do I get an invoice?\r\nMessage-ID: <s@c.example>\r\n\r\n\r\n`;
    const [message] = enqueued(await inbound.handle(await delivery(raw)));
    expect(message?.text).toBe("How do I get an invoice?");
  });
});
