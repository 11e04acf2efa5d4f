import * as z from "zod/mini";
import { MalformedRequestError } from "../../core/errors";
import { type Attachment, type InboundMessage, InboundMessageSchema } from "../../core/message";

/** Millisecond timestamps arrive as numbers or numeric strings, depending on the payload's age. */
const millis = z.union([
  z.int().check(z.nonnegative()),
  z.pipe(z.string().check(z.regex(/^\d{1,15}$/)), z.transform(Number)),
]);

/**
 * A robot message as DingTalk POSTs it in HTTP mode (机器人接收消息). Only what Kefu reads is
 * declared; unknown fields are dropped. `conversationType` is "1" for a one-to-one chat with the robot,
 * "2" for a group.
 */
export const RobotMessageSchema = z.object({
  msgId: z.string().check(z.minLength(1), z.maxLength(256)),
  msgtype: z.string().check(z.minLength(1), z.maxLength(64)),
  createAt: z.optional(millis),
  conversationId: z.string().check(z.minLength(1), z.maxLength(256)),
  conversationType: z.pipe(
    z.pipe(z.union([z.string(), z.number()]), z.transform(String)),
    z.enum(["1", "2"]),
  ),
  conversationTitle: z.optional(z.string()),
  senderId: z.string().check(z.minLength(1), z.maxLength(256)),
  senderStaffId: z.optional(z.string().check(z.maxLength(256))),
  senderNick: z.optional(z.string()),
  chatbotUserId: z.optional(z.string()),
  robotCode: z.optional(z.string().check(z.maxLength(256))),
  isInAtList: z.optional(z.boolean()),
  sessionWebhook: z.optional(z.string().check(z.maxLength(2048))),
  sessionWebhookExpiredTime: z.optional(millis),
  text: z.optional(z.object({ content: z.string() })),
  content: z.optional(z.unknown()),
});
export type RobotMessage = z.infer<typeof RobotMessageSchema>;

export interface NormalizeOptions {
  /** Our robot code, used when the payload does not name one. */
  robotCode: string;
  /** When the message arrived, for messages without a usable createAt. */
  receivedAt: Date;
}

/**
 * Why a valid robot message produced nothing to answer: DingTalk only delivers group messages that
 * @-mention the robot, but the check is ours to make; and the robot never answers itself.
 */
export type Skipped = { skipped: "group_without_mention" | "own_message" };

/**
 * One robot message as the InboundMessage the worker reads, or the reason it is not for us.
 *
 * Conversation key: `dingtalk:<conversationId>:<sender>` in one-to-one chats and groups alike. In a
 * group, each customer who @-mentions the robot has a conversation of their own: their follow-ups,
 * clarifications and hand-off are theirs, not the whole group's (a hand-off for one member must not
 * silence the bot for the others). Replies still go to the group, as DingTalk shows them there.
 */
export function toInboundMessage(payload: RobotMessage, options: NormalizeOptions): InboundMessage | Skipped {
  const group = payload.conversationType === "2";
  if (payload.chatbotUserId && payload.senderId === payload.chatbotUserId) return { skipped: "own_message" };
  if (group && payload.isInAtList !== true) return { skipped: "group_without_mention" };

  // senderStaffId is the userId the robot OpenAPI addresses; senderId (an encrypted id) stands in for
  // members of other organisations, who have none.
  const sender = payload.senderStaffId?.trim() || payload.senderId;
  const robotCode = payload.robotCode?.trim() || options.robotCode;
  const { text, attachments, kind } = contentOf(payload, group);

  const replyContext: Record<string, string> = {
    msgType: payload.msgtype,
    conversationType: payload.conversationType,
    conversationId: payload.conversationId,
    robotCode,
  };
  if (payload.senderStaffId) replyContext.senderStaffId = payload.senderStaffId;
  if (payload.sessionWebhook) replyContext.sessionWebhook = payload.sessionWebhook;
  if (payload.sessionWebhookExpiredTime !== undefined) {
    replyContext.sessionWebhookExpiredTime = String(payload.sessionWebhookExpiredTime);
  }

  const created = payload.createAt;
  const receivedAt =
    created !== undefined && created > 0 && created < 8.64e15 ? new Date(created) : options.receivedAt;
  const candidate = {
    id: payload.msgId,
    channel: "dingtalk",
    conversationKey: `dingtalk:${payload.conversationId}:${sender}`,
    sender: { id: sender, ...(payload.senderNick ? { name: payload.senderNick } : {}) },
    recipient: robotCode,
    kind,
    text,
    attachments,
    receivedAt: receivedAt.toISOString(),
    rawRef: `dingtalk:${payload.msgId}`,
    replyContext,
  };
  const parsed = InboundMessageSchema.safeParse(candidate);
  // zod's issues name fields and rules, not values, so they are safe to keep as the cause.
  if (!parsed.success)
    throw new MalformedRequestError("the message does not normalise", { cause: parsed.error });
  return parsed.data;
}

/**
 * Removes the @-mentions that open a group message ("@客服机器人 退货怎么办"). DingTalk usually strips
 * the robot's own mention and leaves the separator; a client that keeps it writes the name followed by
 * a space or U+2005 (the narrow space its @-picker inserts). Mentions later in the sentence stay: they
 * are part of what the customer wrote.
 */
export function stripLeadingMentions(text: string): string {
  return text.replace(/^(\s*@[^\s@]+(\s+|$))+/u, "").trim();
}

function contentOf(
  payload: RobotMessage,
  group: boolean,
): { text: string; attachments: Attachment[]; kind: "text" | "media" } {
  const content = record(maybeJson(payload.content));
  const clean = (text: string) => (group ? stripLeadingMentions(text) : text.trim());
  switch (payload.msgtype) {
    case "text":
      if (!payload.text) throw new MalformedRequestError("a text message without text.content");
      return { text: clean(payload.text.content), attachments: [], kind: "text" };
    case "richText": {
      // Text runs and pictures interleaved; the words are the question, the pictures ride along.
      const items = Array.isArray(content.richText) ? content.richText.map(record) : [];
      const text = clean(
        items
          .map((i) => str(i.text))
          .filter((t): t is string => t !== undefined)
          .join(""),
      );
      const attachments = items
        .filter((i) => i.type === "picture" || str(i.downloadCode) !== undefined)
        .map((i) => compact({ type: "image", ref: str(i.downloadCode) ?? str(i.pictureDownloadCode) }));
      return { text, attachments, kind: attachments.length > 0 && !text ? "media" : "text" };
    }
    case "picture":
      return {
        text: "",
        attachments: [
          compact({ type: "image", ref: str(content.downloadCode) ?? str(content.pictureDownloadCode) }),
        ],
        kind: "media",
      };
    case "audio":
      // DingTalk transcribes voice messages: the recognised words can be answered like text.
      return {
        text: clean(str(content.recognition) ?? ""),
        attachments: [compact({ type: "voice", ref: str(content.downloadCode) })],
        kind: "media",
      };
    case "video":
      return {
        text: "",
        attachments: [
          compact({
            type: "video",
            ref: str(content.downloadCode),
            contentType: str(content.videoType) ? `video/${str(content.videoType)}` : undefined,
          }),
        ],
        kind: "media",
      };
    case "file":
      return {
        text: "",
        attachments: [compact({ type: "file", ref: str(content.downloadCode), name: str(content.fileName) })],
        kind: "media",
      };
    default:
      // A type DingTalk adds later still reaches the worker, which can hand it to a human.
      return { text: "", attachments: [compact({ type: "other", name: payload.msgtype })], kind: "media" };
  }
}

/** Some payloads carry `content` as a JSON string rather than an object. */
function maybeJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Drops undefined fields, so an attachment only carries what the message had. */
function compact(attachment: {
  type: Attachment["type"];
  ref?: string | undefined;
  name?: string | undefined;
  contentType?: string | undefined;
}): Attachment {
  const out: Attachment = { type: attachment.type };
  if (attachment.ref !== undefined) out.ref = attachment.ref;
  if (attachment.name !== undefined) out.name = attachment.name;
  if (attachment.contentType !== undefined) out.contentType = attachment.contentType;
  return out;
}
