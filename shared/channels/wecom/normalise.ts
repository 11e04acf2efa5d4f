import { MalformedRequestError } from "../../core/errors";
import { type Attachment, type InboundMessage, InboundMessageSchema } from "../../core/message";
import { compactAttachment, requiredField } from "../normalise";

/**
 * Events of the self-built app worth the worker's attention. Others (LOCATION every few seconds when
 * location reporting is on, menu clicks, contact changes) are acknowledged and not queued.
 */
const QUEUED_EVENTS: Record<string, string> = {
  // Opening the app's chat: Kefu's greeting event.
  enter_agent: "enter_chat",
  subscribe: "subscribe",
  unsubscribe: "unsubscribe",
};

/**
 * One decrypted push of the self-built app as the InboundMessage the worker reads, or undefined for an
 * event Kefu does not act on. Throws MalformedRequestError when a field the conversation needs is absent.
 */
export function toWeComMessage(fields: Record<string, string>): InboundMessage | undefined {
  const corpId = requiredField(fields, "ToUserName");
  const from = requiredField(fields, "FromUserName");
  const createTime = requiredField(fields, "CreateTime");
  const msgType = requiredField(fields, "MsgType").toLowerCase();
  if (!/^\d{1,12}$/.test(createTime)) throw new MalformedRequestError("CreateTime is not a Unix timestamp");
  const agentId = requiredField(fields, "AgentID");

  const isEvent = msgType === "event";
  let event: string | undefined;
  let id: string;
  if (isEvent) {
    const raw = requiredField(fields, "Event").toLowerCase();
    event = QUEUED_EVENTS[raw];
    if (!event) return undefined;
    // Events have no MsgId; WeCom's retries repeat sender and CreateTime. enter_agent fires each time the
    // member opens the chat: keyed by day, the greeting comes at most once a day (China time).
    id =
      raw === "enter_agent"
        ? `${agentId}:${from}:enter_agent:${chinaDate(Number(createTime))}`
        : `${agentId}:${from}:${createTime}:${raw}`;
  } else {
    id = requiredField(fields, "MsgId");
  }

  const media = isEvent || msgType === "text" ? undefined : toMedia(msgType, fields);
  const candidate = {
    id,
    channel: "wecom",
    conversationKey: `wecom:${corpId}:${agentId}:${from}`,
    sender: { id: from },
    recipient: agentId,
    kind: isEvent ? "event" : msgType === "text" ? "text" : "media",
    text: msgType === "text" ? (fields.Content ?? "") : "",
    event,
    attachments: media ? [media] : [],
    receivedAt: new Date(Number(createTime) * 1000).toISOString(),
    rawRef: `wecom:${id}`,
    replyContext: { agentId, msgType },
  };
  const parsed = InboundMessageSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new MalformedRequestError("the message does not normalise", { cause: parsed.error });
  }
  return parsed.data;
}

function toMedia(msgType: string, f: Record<string, string>): Attachment {
  switch (msgType) {
    case "image":
      return compactAttachment({ type: "image", ref: f.MediaId, url: f.PicUrl });
    case "voice":
      return compactAttachment({
        type: "voice",
        ref: f.MediaId,
        contentType: f.Format && `audio/${f.Format}`,
      });
    case "video":
      return compactAttachment({ type: "video", ref: f.MediaId });
    case "location":
      return compactAttachment({
        type: "location",
        name: f.Label,
        url: f.Location_X && f.Location_Y ? `geo:${f.Location_X},${f.Location_Y}` : undefined,
      });
    case "link":
      return compactAttachment({ type: "link", url: f.Url, name: f.Title });
    default:
      return compactAttachment({ type: "other", ref: f.MediaId, name: msgType });
  }
}

function chinaDate(epochSeconds: number): string {
  return new Date((epochSeconds + 8 * 3600) * 1000).toISOString().slice(0, 10);
}
