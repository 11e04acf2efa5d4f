import * as z from "zod/mini";
import { MalformedRequestError } from "../../core/errors";
import { type InboundMessage, InboundMessageSchema } from "../../core/message";
import type { SnsNotification } from "../ports";

/**
 * The JSON End User Messaging publishes to the two-way SNS topic for each inbound SMS, e.g.
 * `{"originationNumber":"+14255550182","destinationNumber":"+12125550101","messageKeyword":"JOIN",
 * "messageBody":"EXAMPLE","inboundMessageId":"cae173d2-…","previousPublishedMessageId":"wJal…"}`.
 */
const phone = z.string().check(z.regex(/^\+?\d{3,20}$/, "must be a phone number"));
export const InboundSmsSchema = z.object({
  /** The customer. */
  originationNumber: phone,
  /** Our number. */
  destinationNumber: phone,
  messageBody: z.string().check(z.maxLength(10_000)),
  inboundMessageId: z.string().check(z.minLength(1), z.maxLength(200)),
  messageKeyword: z.optional(z.string()),
  previousPublishedMessageId: z.optional(z.string()),
});
export type InboundSms = z.infer<typeof InboundSmsSchema>;

export function parseInboundSms(message: string): InboundSms {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch (cause) {
    throw new MalformedRequestError("the SNS Message is not JSON", { cause });
  }
  const parsed = InboundSmsSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".")).join(", ");
    throw new MalformedRequestError(`the SNS Message is not an inbound SMS (${fields})`);
  }
  return parsed.data;
}

/** One inbound SMS as the message the worker reads; the conversation is (our number, customer). */
export function toInboundMessage(sms: InboundSms, sns: Pick<SnsNotification, "messageId" | "timestamp">) {
  const receivedAt = new Date(sns.timestamp);
  const candidate = {
    id: sms.inboundMessageId,
    channel: "sms",
    conversationKey: `sms:${sms.destinationNumber}:${sms.originationNumber}`,
    sender: { id: sms.originationNumber },
    recipient: sms.destinationNumber,
    kind: "text",
    text: sms.messageBody,
    attachments: [],
    receivedAt: Number.isNaN(receivedAt.getTime()) ? new Date().toISOString() : receivedAt.toISOString(),
    rawRef: `sns:${sns.messageId}`,
    replyContext: sms.previousPublishedMessageId
      ? { previousPublishedMessageId: sms.previousPublishedMessageId }
      : {},
  };
  const parsed = InboundMessageSchema.safeParse(candidate);
  if (!parsed.success) throw new MalformedRequestError("the SMS does not normalise", { cause: parsed.error });
  return parsed.data satisfies InboundMessage;
}
