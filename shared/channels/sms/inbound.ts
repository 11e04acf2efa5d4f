import { PayloadTooLargeError } from "../../core/errors";
import type { HttpResponse, NotificationAdapter, SnsNotification, WebhookOutcome } from "../ports";
import { routeInboundSms, type SmsInboundDeps } from "../sms-common/channel";
import type { SmsCredentials } from "./credentials";
import { parseInboundSms, toInboundMessage } from "./normalise";

export interface SmsInboundOptions extends Omit<SmsInboundDeps, "channel"> {
  credentials: SmsCredentials;
  maxBodyBytes: number;
}

/** Unused (nothing answers SNS), but the shared SMS router speaks in webhook outcomes. */
const ACK: HttpResponse = { status: 200, body: "" };

/**
 * AWS End User Messaging two-way SMS → SNS topic (KEFU_SMS_TOPIC_ARN) → Lambda subscription → here:
 * normalises the inbound SMS; keywords (STOP, HELP, MORE…) are handled by the shared SMS router.
 */
export function createSmsInbound(options: SmsInboundOptions): NotificationAdapter {
  return {
    channel: "sms",
    accepts: (topicArn) => topicArn === options.credentials.KEFU_SMS_TOPIC_ARN,
    async handle(sns: SnsNotification): Promise<WebhookOutcome> {
      if (Buffer.byteLength(sns.message, "utf8") > options.maxBodyBytes) {
        throw new PayloadTooLargeError(options.maxBodyBytes);
      }
      const message = toInboundMessage(parseInboundSms(sns.message), sns);
      return routeInboundSms(message, ACK, { ...options, channel: "sms" });
    },
  };
}
