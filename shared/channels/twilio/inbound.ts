import { MalformedRequestError, PayloadTooLargeError, SignatureError } from "../../core/errors";
import { type Attachment, type InboundMessage, InboundMessageSchema } from "../../core/message";
import type { HttpResponse, InboundAdapter, WebhookOutcome, WebhookRequest } from "../ports";
import { routeInboundSms, type SmsInboundDeps } from "../sms-common/channel";
import type { TwilioCredentials } from "./credentials";
import { twilioSignatureMatches } from "./signature";

export interface TwilioInboundOptions extends Omit<SmsInboundDeps, "channel"> {
  credentials: TwilioCredentials;
  maxBodyBytes: number;
  /**
   * KEFU_PUBLIC_URL: the scheme and host Twilio calls, exactly as in the console's webhook URL. The
   * signature covers the URL, and behind API Gateway or a proxy we cannot see what Twilio dialled.
   */
  publicUrl?: string;
}

/** Empty TwiML: "received, nothing to say now". The answer comes later through the Messages API. */
const ACK: HttpResponse = {
  status: 200,
  headers: { "content-type": "text/xml" },
  body: '<?xml version="1.0" encoding="UTF-8"?><Response/>',
};

/** Twilio allows at most 10 media per MMS; anything larger is not a Twilio request. */
const MAX_MEDIA = 10;

/**
 * How Twilio retries this webhook: by default once, and only when it could not connect, so a 5xx (our
 * "retry later" while a concurrent delivery stores the same message, or the queue is briefly down) lost
 * the message. The stack's TwilioWebhookUrl carries connection overrides in its fragment (rc, rp=all,
 * tt: infra/kefu-stack.ts), which Twilio neither sends nor signs. The handler takes a retry as any
 * repeated delivery: the MessageSid dedup answers it, and STOP/START are applied once (sms-common).
 */

/**
 * `/webhooks/twilio`: Twilio's "A message comes in" webhook (form-encoded POST). Verifies
 * X-Twilio-Signature over the public URL and every parameter, then normalises the SMS/MMS; keywords
 * (STOP, HELP, MORE…) are handled by the shared SMS router.
 *
 * Twilio signs no timestamp, so a signed request stays valid forever: a replay is stopped by the
 * MessageSid dedup (7 days) and the worker's processed ids (per conversation, 30 days), and a replayed
 * STOP/START by the opt-out record, which never expires. A message replayed later than that is answered
 * once more; nothing else changes.
 */
export function createTwilioInbound(options: TwilioInboundOptions): InboundAdapter {
  const { credentials } = options;

  function signedUrl(request: WebhookRequest): string {
    // Without KEFU_PUBLIC_URL, the Host header: still safe (only the auth token makes a valid signature)
    // but it only matches when nothing between Twilio and us rewrites the host or the scheme. The Host
    // header is the sender's: the lookbehind strips a run of slashes from its start, not from each slash.
    const base = (options.publicUrl ?? `https://${request.headers.host ?? ""}`).replace(/(?<!\/)\/+$/, "");
    return `${base}${request.path}${request.rawQueryString ? `?${request.rawQueryString}` : ""}`;
  }

  return {
    channel: "twilio",
    async handle(request: WebhookRequest): Promise<WebhookOutcome> {
      if (Buffer.byteLength(request.body, "utf8") > options.maxBodyBytes) {
        throw new PayloadTooLargeError(options.maxBodyBytes);
      }
      if (request.method.toUpperCase() !== "POST")
        throw new MalformedRequestError("Twilio posts its webhooks");
      const contentType = request.headers["content-type"] ?? "";
      if (!/^application\/x-www-form-urlencoded\b/i.test(contentType)) {
        throw new MalformedRequestError("expected a form-encoded body");
      }
      const params = [...new URLSearchParams(request.body)];
      if (
        !twilioSignatureMatches(
          credentials.KEFU_TWILIO_AUTH_TOKEN,
          request.headers["x-twilio-signature"],
          signedUrl(request),
          params,
        )
      ) {
        throw new SignatureError("X-Twilio-Signature mismatch");
      }
      const fields = Object.fromEntries(params);
      // A delivery status callback pointed at this URL: nothing for the bot to answer.
      const status = (fields.SmsStatus ?? fields.MessageStatus ?? "received").toLowerCase();
      if (status !== "received") return { kind: "respond", response: ACK };
      if (fields.AccountSid && fields.AccountSid !== credentials.KEFU_TWILIO_ACCOUNT_SID) {
        throw new SignatureError("the message is for another Twilio account");
      }
      return routeInboundSms(toInboundMessage(fields, request.receivedAt), ACK, {
        ...options,
        channel: "twilio",
      });
    },
  };
}

export function toInboundMessage(fields: Record<string, string>, receivedAt: Date): InboundMessage {
  const sid = required(fields, "MessageSid");
  const from = required(fields, "From");
  const to = required(fields, "To");
  const text = fields.Body ?? "";
  const numMedia = fields.NumMedia ?? "0";
  if (!/^\d{1,2}$/.test(numMedia) || Number(numMedia) > MAX_MEDIA) {
    throw new MalformedRequestError("NumMedia is not a media count");
  }
  const attachments: Attachment[] = [];
  for (let i = 0; i < Number(numMedia); i++) {
    const url = fields[`MediaUrl${i}`];
    if (!url) throw new MalformedRequestError(`MediaUrl${i} missing`);
    const contentType = fields[`MediaContentType${i}`];
    attachments.push({ type: mediaType(contentType), url, ...(contentType ? { contentType } : {}) });
  }
  const candidate = {
    id: sid,
    channel: "twilio",
    conversationKey: `twilio:${to}:${from}`,
    sender: { id: from },
    recipient: to,
    kind: attachments.length > 0 ? "media" : "text",
    text,
    attachments,
    receivedAt: receivedAt.toISOString(),
    rawRef: `twilio:${sid}`,
    replyContext: fields.MessagingServiceSid ? { messagingServiceSid: fields.MessagingServiceSid } : {},
  };
  const parsed = InboundMessageSchema.safeParse(candidate);
  if (!parsed.success)
    throw new MalformedRequestError("the message does not normalise", { cause: parsed.error });
  return parsed.data;
}

function mediaType(contentType: string | undefined): Attachment["type"] {
  const major = contentType?.split("/")[0]?.toLowerCase();
  if (major === "image") return "image";
  if (major === "audio") return "voice";
  if (major === "video") return "video";
  return contentType ? "file" : "other";
}

function required(fields: Record<string, string>, name: string): string {
  const value = fields[name]?.trim();
  if (!value) throw new MalformedRequestError(`the message has no ${name}`);
  return value;
}
