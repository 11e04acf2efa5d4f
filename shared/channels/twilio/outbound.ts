import { callSignal } from "../../core/deadline";
import { ChannelApiError } from "../../core/errors";
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

/** The longest one send may take, whatever time the message has left. */
const SEND_TIMEOUT_MS = 10_000;

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
  const doFetch = options.fetch ?? fetch;
  const sid = credentials.KEFU_TWILIO_ACCOUNT_SID;
  const url = `${options.apiBase.replace(/(?<!\/)\/+$/, "")}/2010-04-01/Accounts/${sid}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${sid}:${credentials.KEFU_TWILIO_AUTH_TOKEN}`).toString("base64")}`;

  return async ({ to, from, body, deadline }) => {
    const sender = credentials.KEFU_TWILIO_FROM || from;
    if (!sender) throw new ChannelApiError("no Twilio sender: set KEFU_TWILIO_FROM", { retryable: false });
    const form = new URLSearchParams({ To: to, Body: body });
    form.set(sender.startsWith("MG") ? "MessagingServiceSid" : "From", sender);
    let response: Response;
    try {
      response = await doFetch(url, {
        method: "POST",
        headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
        signal: callSignal(SEND_TIMEOUT_MS, deadline),
      });
    } catch (cause) {
      throw new ChannelApiError("Twilio send did not complete", { retryable: true, cause });
    }
    if (response.ok) return;
    const error: { code?: unknown; message?: unknown } = await response
      .json()
      .then((b: unknown) => (typeof b === "object" && b !== null ? b : {}))
      .catch(() => ({}));
    const code = typeof error.code === "number" ? error.code : undefined;
    // Twilio's own message names the rule broken ("Attempt to send to unsubscribed recipient"), not the text.
    const detail = `HTTP ${response.status}${code ? `, code ${code}` : ""}${
      typeof error.message === "string" ? ` (${error.message.slice(0, 200)})` : ""
    }`;
    if (code === TWILIO_UNSUBSCRIBED)
      throw new RecipientOptedOutError(`recipient opted out: Twilio ${detail}`);
    const retryable = response.status === 429 || response.status >= 500 || code === TWILIO_TOO_MANY_REQUESTS;
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
