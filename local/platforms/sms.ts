import { randomUUID } from "node:crypto";
import type { SmsCredentials } from "../../shared/channels/sms/credentials";
import { isPool } from "../../shared/channels/sms/outbound";
import { snsPublish } from "./sns";
import type { PlatformRequest } from "./wechat";

/**
 * Plays AWS End User Messaging: an inbound SMS as the JSON it publishes to the two-way topic, published
 * to the local SNS, which invokes the SNS ingress as Lambda does. Used by `npm run chat -- --channel sms`
 * and the end-to-end tests.
 */
export interface InboundSmsInput {
  /** The customer's number (E.164). */
  from: string;
  text: string;
  /** Our number; the configured origination when it is a number. */
  to?: string;
  inboundMessageId?: string;
  /** Re-send the same notification (SNS redeliveries keep the MessageId). */
  snsMessageId?: string;
}

export function smsInbound(credentials: SmsCredentials, input: InboundSmsInput): PlatformRequest {
  const to =
    input.to ??
    (isPool(credentials.KEFU_SMS_ORIGINATION) ? "+15550000000" : credentials.KEFU_SMS_ORIGINATION);
  const message = JSON.stringify({
    originationNumber: input.from,
    destinationNumber: to,
    messageKeyword: "",
    messageBody: input.text,
    inboundMessageId: input.inboundMessageId ?? randomUUID(),
    previousPublishedMessageId: "",
  });
  return snsPublish({
    TopicArn: credentials.KEFU_SMS_TOPIC_ARN,
    Message: message,
    ...(input.snsMessageId ? { MessageId: input.snsMessageId } : {}),
  });
}
