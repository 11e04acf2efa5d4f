import { ChannelApiError } from "../../core/errors";
import { apiUrl, httpCall, transientStatus } from "../http";
import type { ChannelStateStore } from "../ports";
import type { SmsSettings } from "../settings";
import {
  createSmsOutbound,
  RecipientOptedOutError,
  type SmsOutbound,
  type SmsTransport,
} from "../sms-common/channel";
import type { TwilioCredentials } from "./credentials";

export interface TwilioOutboundOptions {
  credentials: TwilioCredentials;
  /** KEFU_TWILIO_API_BASE: https://api.twilio.com, or the local simulator. */
  apiBase: string;
  state: ChannelStateStore;
  settings: SmsSettings;
  fetch?: typeof fetch;
  now?: () => Date;
}

/** "Attempt to send to unsubscribed recipient": the number replied STOP to this sender. */
export const TWILIO_UNSUBSCRIBED = 21610;
/** Too many requests (also sent with HTTP 429). */
const TWILIO_TOO_MANY_REQUESTS = 20429;

/**
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with Basic auth, form-encoded To, From (or
 * MessagingServiceSid) and Body: one call per reply, Twilio splits it into segments.
 */
export function twilioTransport(
  options: Pick<TwilioOutboundOptions, "credentials" | "apiBase" | "fetch">,
): SmsTransport {
  const { credentials } = options;
  const sid = credentials.KEFU_TWILIO_ACCOUNT_SID;
  const url = apiUrl(options.apiBase, `/2010-04-01/Accounts/${sid}/Messages.json`);
  const authorization = `Basic ${Buffer.from(`${sid}:${credentials.KEFU_TWILIO_AUTH_TOKEN}`).toString("base64")}`;

  return async ({ to, from, body, deadline }) => {
    const sender = credentials.KEFU_TWILIO_FROM || from;
    if (!sender) throw new ChannelApiError("no Twilio sender: set KEFU_TWILIO_FROM", { retryable: false });
    const form = new URLSearchParams({ To: to, Body: body });
    form.set(sender.startsWith("MG") ? "MessagingServiceSid" : "From", sender);
    // One attempt: Twilio takes no idempotency key, so a send whose answer was lost is not repeated
    // here; the queue retries the message and the outbox keeps the parts already sent.
    const answer = await httpCall({
      url,
      label: "Twilio send",
      headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
      deadline,
      fetch: options.fetch,
    });
    if (answer.ok) return;
    const error = answer.body ?? {};
    const code = typeof error.code === "number" ? error.code : undefined;
    // Twilio's own message names the rule broken ("Attempt to send to unsubscribed recipient"), not the text.
    const detail = `HTTP ${answer.status}${code ? `, code ${code}` : ""}${
      typeof error.message === "string" ? ` (${error.message.slice(0, 200)})` : ""
    }`;
    if (code === TWILIO_UNSUBSCRIBED)
      throw new RecipientOptedOutError(`recipient opted out: Twilio ${detail}`);
    const retryable = transientStatus(answer.status) || code === TWILIO_TOO_MANY_REQUESTS;
    throw new ChannelApiError(`Twilio send failed: ${detail}`, { retryable });
  };
}

export function createTwilioOutbound(options: TwilioOutboundOptions): SmsOutbound {
  return createSmsOutbound({
    channel: "twilio",
    state: options.state,
    settings: options.settings,
    transport: twilioTransport(options),
    defaultFrom: options.credentials.KEFU_TWILIO_FROM,
    ...(options.now ? { now: options.now } : {}),
  });
}
