// zod/mini, not zod: this schema is on the webhook's path, whose bundle must stay small (a namespace
// import lets esbuild keep only the validators used; the full zod is ~450 KB minified).
import * as z from "zod/mini";
import { redact } from "./redact";

/**
 * Every channel Kefu speaks. Adapters and renderers branch on it; the core only for the form of a masked
 * identity (desk.ts, maskIdentity). A channel's own wording of the core's sentences (SMS's short
 * disclosure and CSAT question) comes from its module's texts (test/unit/channels/layout.test.ts).
 */
export const CHANNELS = ["wechat", "wecom", "wecom-kf", "dingtalk", "email", "sms", "twilio"] as const;
export const ChannelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof ChannelSchema>;

/**
 * What one message may carry across the queue, in UTF-16 code units (JavaScript string length).
 *
 * - What a customer wrote or named (text, display name, attachment names and types) is cut to its limit
 *   by the webhook before enqueueing, ending in "…" so agents see it was cut: the bot answers from the
 *   first 4000 characters, and a pasted log or contract beyond that is for a person to ask about.
 * - Identifiers and routing data (ids, keys, URLs, replyContext) are issued by the platforms and never
 *   come near their limits; a message exceeding one is refused as malformed rather than cut, because a
 *   cut identifier would route a reply to the wrong place.
 *
 * Together they keep a message to a few tens of KB; the webhook still checks the serialised size and
 * sends a larger body by S3 reference (shared/queue-body.ts).
 */
export const MESSAGE_LIMITS = {
  textChars: 4000,
  senderNameChars: 128,
  /** Attachments described per message (their bytes never cross the queue). */
  attachments: 20,
  attachmentNameChars: 255,
  contentTypeChars: 255,
  /** id, sender.id, recipient: platform ids and e-mail addresses (at most 254 characters). */
  idChars: 256,
  conversationKeyChars: 512,
  eventChars: 64,
  rawRefChars: 1024,
  attachmentRefChars: 1024,
  attachmentUrlChars: 2048,
  replyContextEntries: 16,
  replyContextKeyChars: 64,
  replyContextValueChars: 2048,
} as const;
const L = MESSAGE_LIMITS;

/**
 * Characters read past a limit before masking, so that a personal datum straddling the cut is masked
 * whole before it is cut: more than the longest one the masks recognise (an e-mail address, at most 254
 * characters).
 */
const MASK_SLACK_CHARS = 320;

/** Text a customer wrote, with personal data masked (redact.ts), then cut to `maxChars`. */
export function maskedText(text: string, maxChars: number): string {
  return truncateText(redact(text.slice(0, maxChars + MASK_SLACK_CHARS)), maxChars);
}

/** Cuts text to `maxChars`, ending in "…", never between the halves of a surrogate pair (an emoji). */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** A string of at most `max` UTF-16 code units. */
const bounded = (max: number) => z.string().check(z.maxLength(max));
/** A non-empty string of at most `max` UTF-16 code units. */
const required = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

/**
 * The message schemas, built together the first time one of them is used (each export below is a zod
 * `lazy` over them). Building zod schemas is what a cold start spends most on (issue 10), and the webhook
 * validates no message before its first request; the worker and the tools build them on their first use
 * too, once per process.
 */
let built: ReturnType<typeof buildMessageSchemas> | undefined;
const messageSchemas = () => {
  built ??= buildMessageSchemas();
  return built;
};

function buildMessageSchemas() {
  const attachment = z.object({
    type: z.enum(["image", "voice", "video", "file", "location", "link", "other"]),
    /** Platform media id (WeChat MediaId, WeCom media_id…) or object key; never the bytes themselves. */
    ref: z.optional(bounded(L.attachmentRefChars)),
    url: z.optional(bounded(L.attachmentUrlChars)),
    name: z.optional(z.string()),
    contentType: z.optional(z.string()),
    size: z.optional(z.int().check(z.nonnegative())),
  });

  const inbound = z.object({
    /** The platform's message id, as a string: WeChat MsgIds exceed 2^53. Unique within the channel. */
    id: required(L.idChars),
    channel: ChannelSchema,
    /** Stable key of the conversation: FIFO message group and conversations-table key. */
    conversationKey: required(L.conversationKeyChars),
    sender: z.object({ id: required(L.idChars), name: z.optional(z.string()) }),
    /** Our side of the conversation: the official account, corp app, robot or mailbox addressed. */
    recipient: z.optional(bounded(L.idChars)),
    kind: z.enum(["text", "event", "media"]),
    /** The customer's text; empty for events and media without a caption. */
    text: z.string(),
    /** For kind "event": the platform event, normalised (subscribe, unsubscribe, enter_session…). */
    event: z.optional(bounded(L.eventChars)),
    attachments: z._default(z.array(attachment), []),
    receivedAt: z.iso.datetime(),
    /** Where the raw payload can be found again (platform id, S3 key…), for audits. */
    rawRef: z.optional(bounded(L.rawRefChars)),
    /**
     * Channel-specific routing data the sender needs to reply (e-mail Message-ID, session webhook…). Not
     * a place for what the customer wrote: the one exception, the e-mail subject, is masked by its adapter.
     */
    replyContext: z._default(
      z.record(bounded(L.replyContextKeyChars), bounded(L.replyContextValueChars)).check(
        z.refine((context) => Object.keys(context).length <= L.replyContextEntries, {
          message: `at most ${L.replyContextEntries} entries`,
        }),
      ),
      {},
    ),
  });

  const queued = z.extend(inbound, {
    sender: z.object({
      id: required(L.idChars),
      name: z.optional(bounded(L.senderNameChars)),
    }),
    text: bounded(L.textChars),
    attachments: z._default(
      z
        .array(
          z.extend(attachment, {
            name: z.optional(bounded(L.attachmentNameChars)),
            contentType: z.optional(bounded(L.contentTypeChars)),
          }),
        )
        .check(z.maxLength(L.attachments)),
      [],
    ),
  });

  return { attachment, inbound, queued };
}

/** What a message says of a file, image, location… the customer sent. */
export const AttachmentSchema = z.lazy(() => messageSchemas().attachment);
export type Attachment = z.infer<typeof AttachmentSchema>;

/**
 * The one message type adapters produce. Everything before the queue knows channels; the worker only
 * knows this. Identifiers are bounded here (MESSAGE_LIMITS); free text is masked and bounded by the
 * webhook before enqueueing (`forQueue` in shared/ingress.ts), and QueuedMessageSchema checks both.
 */
export const InboundMessageSchema = z.lazy(() => messageSchemas().inbound);
export type InboundMessage = z.infer<typeof InboundMessageSchema>;
export type InboundMessageInput = z.input<typeof InboundMessageSchema>;

/** A message as it crosses the queue: free text within MESSAGE_LIMITS too. The worker reads this. */
export const QueuedMessageSchema = z.lazy(() => messageSchemas().queued);

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
  /**
   * The inbound message this answers, or, for a message no inbound one prompted (an agent's reply, the
   * CSAT question), an id of its own: senders thread and de-duplicate by it.
   */
  inReplyTo?: string;
  /**
   * The quality inspection of exactly this text, its audit record written (shared/core/outgoing.ts):
   * the senders refuse a message without it, so nothing reaches a customer uninspected.
   */
  inspection?: InspectionReceipt;
}

/** Proof that a message's text was inspected and recorded in the audit trail (shared/core/outgoing.ts). */
export interface InspectionReceipt {
  /** The audit record's messageId. */
  inspectionId: string;
  author: "bot" | "agent";
  /** textDigest() of the text inspected: a text changed after its inspection is refused. */
  digest: string;
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
