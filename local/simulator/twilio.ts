import { randomBytes } from "node:crypto";
import type { TwilioCredentials } from "../../shared/channels/twilio/credentials";
import type { ChannelSimulator, Outbox, SimulatorRequest, SimulatorResponse } from "./outbox";

/**
 * Twilio's Messages API as far as Kefu uses it: `POST /2010-04-01/Accounts/{sid}/Messages.json`,
 * Basic auth, form-encoded To, From or MessagingServiceSid, Body; Twilio's JSON errors (20003 bad
 * credentials, 21211 bad To, 21602 no Body). Injected faults answer 429/20429 by default, or the given
 * status and `errcode` (e.g. 21610 for an unsubscribed recipient).
 */
const twilioError = (status: number, code: number, message: string): SimulatorResponse => ({
  status,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

export function twilioSimulator(credentials: TwilioCredentials, outbox: Outbox): ChannelSimulator {
  const sid = credentials.KEFU_TWILIO_ACCOUNT_SID;
  const expectedAuth = `Basic ${Buffer.from(`${sid}:${credentials.KEFU_TWILIO_AUTH_TOKEN}`).toString("base64")}`;

  return {
    channel: "twilio",
    prefix: "/sim/twilio",
    handle(request: SimulatorRequest) {
      if (request.method !== "POST" || request.path !== `/2010-04-01/Accounts/${sid}/Messages.json`) {
        return twilioError(404, 20404, "The requested resource was not found");
      }
      if (request.headers && request.headers.authorization !== expectedAuth) {
        return twilioError(401, 20003, "Authenticate");
      }
      const fault = outbox.takeFault("twilio");
      if (fault) {
        return twilioError(fault.status ?? 429, fault.errcode ?? 20429, "Too Many Requests");
      }
      const form = new URLSearchParams(request.body);
      const to = form.get("To") ?? "";
      const body = form.get("Body") ?? "";
      const from = form.get("From") ?? form.get("MessagingServiceSid") ?? "";
      if (!/^\+\d{3,16}$/.test(to))
        return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      if (!from) return twilioError(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required");
      if (!body) return twilioError(400, 21602, "Message body is required.");
      if (body.length > 1600)
        return twilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
      outbox.record({ channel: "twilio", to, text: body });
      return {
        status: 201,
        body: {
          sid: `SM${randomBytes(16).toString("hex")}`,
          account_sid: sid,
          to,
          from,
          body,
          status: "queued",
        },
      };
    },
  };
}
