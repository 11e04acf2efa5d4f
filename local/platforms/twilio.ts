import { randomBytes } from "node:crypto";
import type { TwilioCredentials } from "../../shared/channels/twilio/credentials";
import { twilioSignature } from "../../shared/channels/twilio/inbound";
import type { PlatformRequest } from "./wechat";

/**
 * Plays Twilio's side of the "A message comes in" webhook: the form-encoded POST with the parameters
 * Twilio sends for an SMS/MMS, signed with X-Twilio-Signature over the public URL. Used by
 * `npm run chat -- --channel twilio` and the end-to-end tests.
 */
export interface TwilioInboundInput {
  from: string;
  text: string;
  /** Our Twilio number. */
  to?: string;
  messageSid?: string;
  media?: { url: string; contentType: string }[];
}

export const TWILIO_DEMO_NUMBER = "+15550001111";

export function twilioInbound(
  credentials: TwilioCredentials,
  publicUrl: string,
  input: TwilioInboundInput,
): PlatformRequest {
  const sid = input.messageSid ?? newMessageSid(input.media?.length ? "MM" : "SM");
  const media = input.media ?? [];
  const params = new URLSearchParams({
    ToCountry: "US",
    ToState: "CA",
    SmsMessageSid: sid,
    NumMedia: String(media.length),
    ToCity: "",
    FromZip: "",
    SmsSid: sid,
    FromState: "CA",
    SmsStatus: "received",
    FromCity: "",
    Body: input.text,
    FromCountry: "US",
    To:
      input.to ??
      (credentials.KEFU_TWILIO_FROM.startsWith("+") ? credentials.KEFU_TWILIO_FROM : TWILIO_DEMO_NUMBER),
    ToZip: "",
    NumSegments: "1",
    MessageSid: sid,
    AccountSid: credentials.KEFU_TWILIO_ACCOUNT_SID,
    From: input.from,
    ApiVersion: "2010-04-01",
  });
  media.forEach((m, i) => {
    params.set(`MediaContentType${i}`, m.contentType);
    params.set(`MediaUrl${i}`, m.url);
  });
  const path = "/webhooks/twilio";
  return {
    method: "POST",
    path,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": twilioSignature(
        credentials.KEFU_TWILIO_AUTH_TOKEN,
        `${publicUrl.replace(/\/+$/, "")}${path}`,
        params,
      ),
    },
    body: params.toString(),
  };
}

export function newMessageSid(prefix: "SM" | "MM" = "SM"): string {
  return `${prefix}${randomBytes(16).toString("hex")}`;
}
