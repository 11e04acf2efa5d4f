import { randomUUID } from "node:crypto";
import type { SmsCredentials } from "../../shared/channels/sms/credentials";
import { isPool } from "../../shared/channels/sms/outbound";
import { signSnsNotification } from "../simulator/sns-signer";
import type { PlatformRequest } from "./wechat";

/**
 * Plays AWS End User Messaging + SNS: an inbound SMS as the JSON End User Messaging publishes to the
 * two-way topic, wrapped in the SNS notification an HTTPS subscription receives, signed with the local
 * SNS simulator's key. Used by `npm run chat -- --channel sms` and the end-to-end tests.
 */
export interface InboundSmsInput {
  /** The customer's number (E.164). */
  from: string;
  text: string;
  /** Our number; the configured origination when it is a number. */
  to?: string;
  inboundMessageId?: string;
  /** Re-send the same notification (SNS retries keep the MessageId and the signature). */
  snsMessageId?: string;
}

export function smsInbound(
  credentials: SmsCredentials,
  publicUrl: string,
  input: InboundSmsInput,
): PlatformRequest {
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
  const body = signSnsNotification(
    {
      topicArn: credentials.KEFU_SMS_TOPIC_ARN,
      message,
      certUrl: `${publicUrl.replace(/\/+$/, "")}/sim/sns/cert.pem`,
    },
    input.snsMessageId ? { messageId: input.snsMessageId } : {},
  );
  return {
    method: "POST",
    path: "/webhooks/sms",
    headers: {
      "content-type": "text/plain; charset=UTF-8",
      "x-amz-sns-message-type": "Notification",
      "x-amz-sns-topic-arn": credentials.KEFU_SMS_TOPIC_ARN,
    },
    body,
  };
}
