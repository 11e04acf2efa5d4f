import { MalformedRequestError } from "../../core/errors";
import { type Attachment, type InboundMessage, InboundMessageSchema } from "../../core/message";
import { compactAttachment, requiredField } from "../normalise";

/**
 * One WeChat Official Account push (its top-level XML fields) as the InboundMessage the worker reads.
 * Throws MalformedRequestError when a field the conversation depends on is missing or invalid.
 */
export function toInboundMessage(fields: Record<string, string>): InboundMessage {
  const to = requiredField(fields, "ToUserName");
  const from = requiredField(fields, "FromUserName");
  const createTime = requiredField(fields, "CreateTime");
  const msgType = requiredField(fields, "MsgType").toLowerCase();
  if (!/^\d{1,12}$/.test(createTime)) throw new MalformedRequestError("CreateTime is not a Unix timestamp");

  const isEvent = msgType === "event";
  const event = isEvent ? requiredField(fields, "Event").toLowerCase() : undefined;
  // Events carry no MsgId. WeChat's retries of one event repeat sender, CreateTime and Event, so their
  // combination is as stable a de-duplication key as a MsgId.
  const id = isEvent ? `${from}:${createTime}:${event}` : requiredField(fields, "MsgId");

  const replyContext: Record<string, string> = { msgType };
  if (isEvent && fields.EventKey) replyContext.eventKey = fields.EventKey;
  if (isEvent && fields.Ticket) replyContext.ticket = fields.Ticket;

  const media = isEvent || msgType === "text" ? undefined : toMedia(msgType, fields);
  const candidate = {
    id,
    channel: "wechat",
    conversationKey: `wechat:${to}:${from}`,
    sender: { id: from },
    recipient: to,
    kind: isEvent ? "event" : msgType === "text" ? "text" : "media",
    text: msgType === "text" ? (fields.Content ?? "") : (media?.text ?? ""),
    event,
    attachments: media ? [media.attachment] : [],
    receivedAt: new Date(Number(createTime) * 1000).toISOString(),
    rawRef: `wechat:${id}`,
    replyContext,
  };
  const parsed = InboundMessageSchema.safeParse(candidate);
  // zod's issues name fields and rules, not values, so they are safe to keep as the cause.
  if (!parsed.success)
    throw new MalformedRequestError("the message does not normalise", { cause: parsed.error });
  return parsed.data;
}

function toMedia(msgType: string, f: Record<string, string>): { attachment: Attachment; text: string } {
  switch (msgType) {
    case "image":
      return { attachment: compactAttachment({ type: "image", ref: f.MediaId, url: f.PicUrl }), text: "" };
    case "voice":
      // With speech recognition enabled WeChat transcribes the voice: the worker can answer the words.
      return {
        attachment: compactAttachment({ type: "voice", ref: f.MediaId, contentType: audioType(f.Format) }),
        text: f.Recognition ?? "",
      };
    case "video":
    case "shortvideo":
      return { attachment: compactAttachment({ type: "video", ref: f.MediaId }), text: "" };
    case "location":
      return {
        attachment: compactAttachment({
          type: "location",
          name: f.Label,
          url: f.Location_X && f.Location_Y ? `geo:${f.Location_X},${f.Location_Y}` : undefined,
        }),
        text: "",
      };
    case "link":
      return { attachment: compactAttachment({ type: "link", url: f.Url, name: f.Title }), text: "" };
    case "file":
      return {
        attachment: compactAttachment({
          type: "file",
          ref: f.FileKey ?? f.MediaId,
          name: f.Title,
          size: size(f.FileTotalLen),
        }),
        text: "",
      };
    default:
      // A type WeChat adds later still reaches the worker, which can hand it to a human.
      return { attachment: compactAttachment({ type: "other", ref: f.MediaId, name: msgType }), text: "" };
  }
}

function audioType(format: string | undefined): string | undefined {
  return format ? `audio/${format.toLowerCase()}` : undefined;
}

function size(value: string | undefined): number | undefined {
  if (!value || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}
