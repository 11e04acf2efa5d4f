import { z } from "zod";

/** Every channel Kefu speaks. The core never branches on it; adapters and renderers do. */
export const CHANNELS = ["wechat", "wecom", "wecom-kf", "dingtalk", "email", "sms", "twilio"] as const;
export const ChannelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof ChannelSchema>;

export const AttachmentSchema = z.object({
  type: z.enum(["image", "voice", "video", "file", "location", "link", "other"]),
  /** Platform media id (WeChat MediaId, WeCom media_id…) or object key; never the bytes themselves. */
  ref: z.string().optional(),
  url: z.string().optional(),
  name: z.string().optional(),
  contentType: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

/**
 * The one message type that crosses the queue. Everything before the queue knows channels; the worker
 * only knows this.
 */
export const InboundMessageSchema = z.object({
  /** The platform's message id, as a string: WeChat MsgIds exceed 2^53. Unique within the channel. */
  id: z.string().min(1),
  channel: ChannelSchema,
  /** Stable key of the conversation: FIFO message group and conversations-table key. */
  conversationKey: z.string().min(1),
  sender: z.object({ id: z.string().min(1), name: z.string().optional() }),
  /** Our side of the conversation: the official account, corp app, robot or mailbox addressed. */
  recipient: z.string().optional(),
  kind: z.enum(["text", "event", "media"]),
  /** The customer's text; empty for events and media without a caption. */
  text: z.string(),
  /** For kind "event": the platform event, normalised (subscribe, unsubscribe, enter_session…). */
  event: z.string().optional(),
  attachments: z.array(AttachmentSchema).default([]),
  receivedAt: z.string().datetime(),
  /** Where the raw payload can be found again (platform id, S3 key…), for audits. */
  rawRef: z.string().optional(),
  /** Channel-specific routing data the sender needs to reply (e-mail Message-ID, session webhook…). */
  replyContext: z.record(z.string(), z.string()).default({}),
});
export type InboundMessage = z.infer<typeof InboundMessageSchema>;
export type InboundMessageInput = z.input<typeof InboundMessageSchema>;

/** A reply on its way out, before the channel renders it. */
export interface OutboundMessage {
  channel: Channel;
  conversationKey: string;
  /** The platform id of the customer to write to. */
  to: string;
  /** Our account that the customer wrote to, where the platform needs it. */
  from?: string;
  text: string;
  replyContext: Record<string, string>;
  /** The inbound message this answers; lets senders thread and de-duplicate. */
  inReplyTo?: string;
}

/**
 * The event of a channel keyword that has a fixed answer (SMS HELP, MORE, STOP/START confirmations):
 * the webhook recognises it and queues it with `replyContext.keyword` naming it; the worker has the
 * channel answer it, never the FAQ engine. Answering in the worker keeps every send there (with its
 * retries and dead-letter queue) and leaves the webhook unable to send anything.
 */
export const KEYWORD_EVENT = "keyword";

/** Key used for durable de-duplication of one platform delivery. */
export function messageKey(message: Pick<InboundMessage, "channel" | "id">): string {
  return `${message.channel}#${message.id}`;
}
