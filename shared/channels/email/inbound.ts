import { PayloadTooLargeError } from "../../core/errors";
import type {
  HttpResponse,
  IgnoredDelivery,
  NotificationAdapter,
  SnsNotification,
  WebhookOutcome,
} from "../ports";
import { checkSender, type EmailAuthMode } from "./auth";
import { automatedReason, type ParsedEmail, parseEmail } from "./mime";
import { MAX_ADDRESS_CHARS, toInboundMessage } from "./normalise";
import { failedVerdict, parseSesNotification, rawMail } from "./ses";
import { spamReason } from "./spam";

export interface EmailInboundOptions {
  /** Our address (KEFU_EMAIL_FROM). */
  address: string;
  /** Our domains: mail from any address in them is ours, never answered (no loops). */
  domains: string[];
  /** The SNS topics SES publishes received mail to; empty means none in AWS. */
  topicArns: string[];
  /** Which senders are answered (KEFU_EMAIL_AUTH, see auth.ts); default `aligned`. */
  auth?: EmailAuthMode;
  local: boolean;
  maxBodyBytes: number;
  blobs: { get(bucket: string, key: string): Promise<Uint8Array> };
}

const OK: HttpResponse = { status: 200, headers: { "content-type": "text/plain" }, body: "OK" };
function receivedAt(sesTimestamp: string | undefined, fallback: Date): string {
  const t = sesTimestamp ? Date.parse(sesTimestamp) : Number.NaN;
  return (Number.isNaN(t) ? fallback : new Date(t)).toISOString();
}

/** Nothing stored, and why, for the logs (the response is unused: nothing answers SNS). */
const ignored = (code: string, more: Omit<IgnoredDelivery, "code"> = {}): WebhookOutcome => ({
  kind: "respond",
  response: OK,
  ignored: { code, ...more },
});

/**
 * SES receipt rule → SNS topic → Lambda subscription → here. The notification gives the raw mail
 * (inline or in S3), which is parsed, filtered (auto-replies, bounces, our own mail, spam/virus
 * verdicts) and normalised into one message per mail. Mail whose From is not proven by SPF/DKIM/DMARC
 * (auth.ts) is refused there: no reply, no ticket, nothing on the queue, and a WARN log with the
 * verdicts, so a forged sender never gets our mail. What is ignored is logged by code and not retried.
 */
export function createEmailInbound(options: EmailInboundOptions): NotificationAdapter {
  const address = options.address.toLowerCase();
  const domains = new Set([address.split("@")[1] ?? "", ...options.domains.map((d) => d.toLowerCase())]);
  domains.delete("");

  const isOurs = (sender: string) => sender === address || domains.has(sender.split("@")[1] ?? "");

  return {
    channel: "email",
    // Locally, without topics configured, every simulated topic is the e-mail one.
    accepts: (topicArn) =>
      options.topicArns.includes(topicArn) || (options.local && options.topicArns.length === 0),
    async handle(sns: SnsNotification): Promise<WebhookOutcome> {
      if (Buffer.byteLength(sns.message, "utf8") > options.maxBodyBytes) {
        throw new PayloadTooLargeError(options.maxBodyBytes);
      }
      const notification = parseSesNotification(sns.message);
      if (!notification) return ignored("setup_notification");
      const verdict = failedVerdict(notification);
      if (verdict) return ignored(verdict);

      const { bytes, rawRef } = await rawMail(notification, options.blobs);
      let mail: ParsedEmail;
      try {
        mail = await parseEmail(bytes);
      } catch {
        // The parser's own limits (thousands of MIME parts, nesting): retrying cannot help, so it is
        // acknowledged and logged with where the raw mail is, for a person to read.
        return ignored("unparseable", { refused: true, detail: { rawRef } });
      }
      if (!mail.from || mail.from.address.length > MAX_ADDRESS_CHARS) return ignored("no_sender");
      if (isOurs(mail.from.address)) return ignored("own_mail");
      const automated = automatedReason(mail, notification.mail.source);
      if (automated) return ignored("automated", { detail: { reason: automated } });
      // Bulk mail and spam SES passed: no reply (which would confirm the address) and no ticket.
      const spam = spamReason(mail);
      if (spam) return ignored("spam_content", { detail: { reason: spam } });
      const refusal = checkSender(notification, mail, options.auth ?? "aligned");
      if (refusal) {
        return ignored("sender_unauthenticated", {
          refused: true,
          detail: { reason: refusal.reason, ...refusal.verdicts },
        });
      }

      const message = toInboundMessage({
        mail,
        sesMessageId: notification.mail.messageId,
        ourAddress: address,
        receivedAt: receivedAt(notification.mail.timestamp, sns.receivedAt),
        rawRef,
      });
      if (!message.text && message.attachments.length === 0) return ignored("empty");
      return { kind: "enqueue", messages: [message], ack: OK };
    },
  };
}
