import {
  type Attachment,
  AttachmentSchema,
  type InboundMessage,
  InboundMessageSchema,
} from "../../core/message";

/** One entry of `kf/sync_msg`'s msg_list, as far as Kefu reads it. */
export interface KfMessage {
  msgid?: string;
  open_kfid?: string;
  external_userid?: string;
  send_time?: number;
  /** 3 customer, 4 system event, 5 servicer writing from the WeCom client. */
  origin?: number;
  servicer_userid?: string;
  msgtype?: string;
  text?: { content?: string; menu_id?: string };
  image?: { media_id?: string };
  voice?: { media_id?: string };
  video?: { media_id?: string };
  file?: { media_id?: string };
  location?: { latitude?: number; longitude?: number; name?: string; address?: string };
  link?: { title?: string; url?: string };
  event?: {
    event_type?: string;
    open_kfid?: string;
    external_userid?: string;
    scene?: string;
    welcome_code?: string;
    change_type?: number;
  };
}

export const ORIGIN_CUSTOMER = 3;
/** session_status_change: 3 = 结束会话 (a servicer ended the session in the WeCom client). */
const CHANGE_TYPE_ENDED = 3;

export interface KfNormalizeOptions {
  corpId: string;
  /** Entries sent before this (epoch seconds) are history, not conversation: skipped. */
  skipBefore: number;
}

/**
 * One pulled entry as the InboundMessage the worker reads, or undefined when it is not for the bot:
 * servicer messages and system notices (no echo loops), events other than a greetable session start or
 * a session end, history, and entries missing the ids a reply needs (skipped rather than thrown: one bad
 * entry must not block the cursor for everyone behind it).
 */
export function toKfMessage(entry: KfMessage, options: KfNormalizeOptions): InboundMessage | undefined {
  if (!entry.msgid || typeof entry.send_time !== "number" || entry.send_time < options.skipBefore) {
    return undefined;
  }
  if (entry.msgtype === "event") return toEvent(entry, options);
  if (entry.origin !== ORIGIN_CUSTOMER) return undefined;
  if (!entry.open_kfid || !entry.external_userid) return undefined;

  const isText = entry.msgtype === "text";
  const attachment = isText ? undefined : toAttachment(entry);
  return build(entry.msgid, entry.open_kfid, entry.external_userid, entry.send_time, options, {
    kind: isText ? "text" : "media",
    text: isText ? (entry.text?.content ?? "") : "",
    attachments: attachment ? [attachment] : [],
    replyContext: { msgtype: entry.msgtype ?? "unknown" },
  });
}

function toEvent(entry: KfMessage, options: KfNormalizeOptions): InboundMessage | undefined {
  const event = entry.event;
  const openKfId = event?.open_kfid ?? entry.open_kfid;
  const userId = event?.external_userid ?? entry.external_userid;
  if (!event || !openKfId || !userId || !entry.msgid || entry.send_time === undefined) return undefined;
  if (event.event_type === "enter_session") {
    // Without a welcome_code the customer was greeted in the last 48 h or has written already: no
    // greeting is allowed, and none is needed.
    if (!event.welcome_code) return undefined;
    return build(entry.msgid, openKfId, userId, entry.send_time, options, {
      kind: "event",
      event: "enter_session",
      replyContext: {
        welcome_code: event.welcome_code,
        ...(event.scene ? { scene: event.scene } : {}),
      },
    });
  }
  if (event.event_type === "session_status_change" && event.change_type === CHANGE_TYPE_ENDED) {
    return build(entry.msgid, openKfId, userId, entry.send_time, options, {
      kind: "event",
      event: "session_closed",
      replyContext: {},
    });
  }
  return undefined;
}

function build(
  msgid: string,
  openKfId: string,
  userId: string,
  sendTime: number,
  options: KfNormalizeOptions,
  content: {
    kind: "text" | "media" | "event";
    text?: string;
    event?: string;
    attachments?: Attachment[];
    replyContext: Record<string, string>;
  },
): InboundMessage | undefined {
  const parsed = InboundMessageSchema.safeParse({
    id: msgid,
    channel: "wecom-kf",
    conversationKey: `wecom-kf:${options.corpId}:${openKfId}:${userId}`,
    sender: { id: userId },
    recipient: openKfId,
    kind: content.kind,
    text: content.text ?? "",
    event: content.event,
    attachments: content.attachments ?? [],
    receivedAt: new Date(sendTime * 1000).toISOString(),
    rawRef: `wecom-kf:${msgid}`,
    replyContext: { open_kfid: openKfId, ...content.replyContext },
  });
  return parsed.success ? parsed.data : undefined;
}

function toAttachment(entry: KfMessage): Attachment {
  const compact = (a: { type: Attachment["type"] } & Record<string, string | undefined>) =>
    AttachmentSchema.parse(
      Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined && v !== "")),
    );
  switch (entry.msgtype) {
    case "image":
      return compact({ type: "image", ref: entry.image?.media_id });
    case "voice":
      // sync_msg returns AMR unless voice_format asks for SILK.
      return compact({ type: "voice", ref: entry.voice?.media_id, contentType: "audio/amr" });
    case "video":
      return compact({ type: "video", ref: entry.video?.media_id });
    case "file":
      return compact({ type: "file", ref: entry.file?.media_id });
    case "location": {
      const l = entry.location;
      return compact({
        type: "location",
        name: l?.name ?? l?.address,
        url:
          l?.latitude !== undefined && l?.longitude !== undefined
            ? `geo:${l.latitude},${l.longitude}`
            : undefined,
      });
    }
    case "link":
      return compact({ type: "link", url: entry.link?.url, name: entry.link?.title });
    default:
      // Business cards, mini programs, channel products…: the worker can still decline politely.
      return compact({ type: "other", name: entry.msgtype });
  }
}
