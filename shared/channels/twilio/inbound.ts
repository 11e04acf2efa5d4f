import { createHmac, timingSafeEqual } from "node:crypto";
import {
  MalformedRequestError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  SignatureError,
} from "../../core/errors";
import type { HttpResponse, InboundAdapter, WebhookOutcome, WebhookRequest } from "../ports";
import { routeInboundSms, type SmsInboundDeps } from "../sms-common/channel";
import type { TwilioCredentials } from "./credentials";
import { toInboundMessage } from "./normalise";

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

/**
 * How Twilio retries this webhook: by default once, and only when it could not connect, so a 5xx (our
 * "retry later" while a concurrent delivery stores the same message, or the queue is briefly down) lost
 * the message. The stack's TwilioWebhookUrl carries connection overrides in its fragment (rc, rp=all,
 * tt: infra/kefu-stack.ts), which Twilio neither sends nor signs. The handler takes a retry as any
 * repeated delivery: enqueued under the MessageSid's deduplication id, which the queue drops, and
 * STOP/START are applied once (sms-common).
 */

/**
 * `/webhooks/twilio`: Twilio's "A message comes in" webhook (form-encoded POST). Verifies
 * X-Twilio-Signature over the public URL and every parameter, then normalises the SMS/MMS; keywords
 * (STOP, HELP, MORE…) are handled by the shared SMS router.
 *
 * Twilio signs no timestamp, so a signed request stays valid forever: a replay is stopped by the
 * queue's deduplication (5 minutes) and the worker's processed ids (the conversation's last 100, 30
 * days), a replayed keyword by the channel's record of its answer (24 h), and a replayed STOP/START by
 * the opt-out record, which never expires. A message replayed later than that is answered once more;
 * nothing else changes.
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
      // Twilio posts its webhooks.
      if (request.method.toUpperCase() !== "POST") throw new MethodNotAllowedError(["POST"]);
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

// ---- the request signature ----------------------------------------------------------------------

/**
 * `X-Twilio-Signature` = base64(HMAC-SHA1(auth token, URL + every POST parameter's name and value,
 * sorted by name)). The URL is the exact one configured in the Twilio console, query string included;
 * form parameters are the decoded values.
 */
export function twilioSignature(authToken: string, url: string, params: Iterable<[string, string]>): string {
  // Sorted by name (code-unit order, like Twilio's helpers); repeated names keep their values sorted too.
  const sorted = [...params].sort(([a, av], [b, bv]) =>
    a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0,
  );
  let data = url;
  for (const [name, value] of sorted) data += name + value;
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

/**
 * Constant-time check against every form of the URL Twilio may have signed: as configured, and with the
 * default port added or removed (Twilio's helpers accept both; some proxies add `:443`).
 */
export function twilioSignatureMatches(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: [string, string][],
): boolean {
  if (!signature) return false;
  const given = Buffer.from(signature, "utf8");
  let ok = false;
  for (const candidate of urlVariants(url)) {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params), "utf8");
    // Every variant is compared, so timing does not tell which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

function urlVariants(raw: string): string[] {
  const m = /^(https?):\/\/([^/?#]*)(.*)$/is.exec(raw);
  if (!m) return [raw];
  const [, scheme = "", authority = "", rest = ""] = m;
  const port = scheme.toLowerCase() === "https" ? "443" : "80";
  if (authority.endsWith(`:${port}`))
    return [raw, `${scheme}://${authority.slice(0, -port.length - 1)}${rest}`];
  if (/:\d+$/.test(authority)) return [raw];
  return [raw, `${scheme}://${authority}:${port}${rest}`];
}
