import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { sesNotification, simpleMail } from "../../../../local/platforms/email";
import {
  localSnsCertificatePem,
  signSnsNotification,
  signSnsSubscriptionConfirmation,
} from "../../../../local/simulator/sns-signer";
import { createEmailInbound, type EmailInboundOptions } from "../../../../shared/channels/email/inbound";
import { emailModule } from "../../../../shared/channels/email/module";
import type { WebhookOutcome, WebhookRequest } from "../../../../shared/channels/ports";
import { credentialsFor } from "../../../../shared/channels/registry";
import { channelSettingsFromEnv, emailAuthMode } from "../../../../shared/config/channels";
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
    /** Receipt fields to set as SES would (verdicts, dmarcPolicy); `null` removes one. */
    receipt?: Record<string, unknown>;
    /** The envelope sender (MAIL FROM) SES reports in `mail.source`. */
    source?: string;
  } = {},
): Promise<WebhookRequest> {
  const notification = JSON.parse(
    await sesNotification({ raw, baseUrl: "https://unused", recipient: US, ...options }),
  );
  for (const [name, value] of Object.entries(options.receipt ?? {})) {
    if (value === null) delete notification.receipt[name];
    else notification.receipt[name] = value;
  }
  if (options.source !== undefined) notification.mail.source = options.source;
  const message = JSON.stringify(notification);
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
      response: expect.objectContaining({ status: 200 }),
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
      const fromSecret = emailModule.inbound(
        { ...credentials, KEFU_EMAIL_AUTH: "off" },
        { ...context, settings: channelSettingsFromEnv({}) },
      );
      const fromEnv = emailModule.inbound(credentials, {
        ...context,
        settings: channelSettingsFromEnv({ KEFU_EMAIL_AUTH: "off" }),
      });
      const byDefault = emailModule.inbound(credentials, {
        ...context,
        settings: channelSettingsFromEnv({}),
      });
      // The module's adapter fetches the real certificate; here the test's certificate stands in.
      vi.stubGlobal("fetch", async () => new Response(localSnsCertificatePem()));
      try {
        expect((await fromSecret.handle(request)).kind).toBe("enqueue");
        expect((await fromEnv.handle(request)).kind).toBe("enqueue");
        expect((await byDefault.handle(request)).kind).toBe("respond");
      } finally {
        vi.unstubAllGlobals();
      }
      expect(() =>
        credentialsFor(emailModule as never, { ...credentials, KEFU_EMAIL_AUTH: "strict" }),
      ).toThrow(/KEFU_EMAIL_AUTH/);
    });
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
