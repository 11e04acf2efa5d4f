import { MalformedRequestError } from "../../core/errors";
import { type Attachment, type InboundMessage, InboundMessageSchema } from "../../core/message";
import { requiredField } from "../normalise";

/** Twilio allows at most 10 media per MMS; anything larger is not a Twilio request. */
const MAX_MEDIA = 10;

/** One "A message comes in" request's (verified) parameters as the message the worker reads. */
export function toInboundMessage(fields: Record<string, string>, receivedAt: Date): InboundMessage {
  const sid = requiredField(fields, "MessageSid");
  const from = requiredField(fields, "From");
  const to = requiredField(fields, "To");
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
