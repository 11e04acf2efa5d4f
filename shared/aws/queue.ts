import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type InboundMessage, InboundMessageSchema, messageKey } from "../core/message";
import { FAQ_BUCKET } from "../resources";

/**
 * The body of an inbound-queue message. Messages are bounded (MESSAGE_LIMITS) to a few tens of KB, so
 * they go inline, serialised by toQueueBody (below); should one still come out larger than
 * the inline limit, it is stored under `queue-bodies/` in the FAQ bucket and the queue carries a
 * reference the worker resolves. SQS refuses a body over 256 KiB, and a refusal there would be a 503
 * the platform retries in vain.
 *
 * Stored bodies are named after the message, so a retried delivery overwrites its own object; they are
 * not deleted by the worker (a redelivered queue message must still find its body) but expire with a
 * lifecycle rule on the prefix, after the dead-letter queue's retention.
 */

/** SQS's limit on a message body. */
export const SQS_MAX_BODY_BYTES = 256 * 1024;
/** Inline up to this size (measured after escaping): a margin below SQS's limit, which counts attributes too. */
export const INLINE_BODY_MAX_BYTES = 192 * 1024;

export interface QueueBodyStore {
  put(key: string, body: string): Promise<void>;
  get(key: string): Promise<string>;
}

/** What the queue carries instead of a message too large to go inline. */
interface BodyReference {
  bodyRef: string;
  /** For logs and the DLQ: which message this is, without its content. */
  channel: string;
  id: string;
}

const REF_KEY = new RegExp(`^${FAQ_BUCKET.queueBodiesPrefix}[0-9a-f]{64}\\.json$`);

/** The queue body for a message: the message as JSON, or a reference to where it was stored. */
export async function queueBody(
  message: InboundMessage,
  store: QueueBodyStore,
  inlineMaxBytes = INLINE_BODY_MAX_BYTES,
): Promise<string> {
  const body = toQueueBody(message);
  if (Buffer.byteLength(body, "utf8") <= inlineMaxBytes) return body;
  const key = `${FAQ_BUCKET.queueBodiesPrefix}${createHash("sha256").update(messageKey(message)).digest("hex")}.json`;
  await store.put(key, body);
  const reference: BodyReference = { bodyRef: key, channel: message.channel, id: message.id };
  return toQueueBody(reference);
}

/**
 * The message a queue body carries, inline or by reference. Parsed with InboundMessageSchema, not the
 * stricter QueuedMessageSchema, so that a message an older webhook enqueued during a deployment is
 * still answered; the webhook is what bounds and masks.
 */
export async function readQueueBody(body: string, store: QueueBodyStore): Promise<InboundMessage> {
  let json = JSON.parse(body) as unknown;
  const reference = (json as Partial<BodyReference> | null)?.bodyRef;
  if (reference !== undefined) {
    // Only our own prefix: the queue names an object, the worker reads nothing else on its say-so.
    if (typeof reference !== "string" || !REF_KEY.test(reference)) {
      throw new Error("queue body reference is not a queue-bodies/ object");
    }
    json = JSON.parse(await store.get(reference));
  }
  return InboundMessageSchema.parse(json);
}

/** Queue bodies in the FAQ bucket. */
export function s3QueueBodyStore(s3: S3Client, bucket: string): QueueBodyStore {
  return {
    async put(key, body) {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json" }),
      );
    },
    async get(key) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await object.Body?.transformToString("utf8")) ?? "";
    },
  };
}

/** SQS FIFO limits group and deduplication ids to 128 characters: long keys are hashed. */
export function fifoIds(message: InboundMessage): { groupId: string; deduplicationId: string } {
  const short = (value: string) =>
    /^[\w!"#$%&'()*+,\-./:;<=>?@[\\\]^`{|}~]{1,128}$/.test(value)
      ? value
      : createHash("sha256").update(value).digest("hex");
  return {
    groupId: short(message.conversationKey),
    deduplicationId: createHash("sha256").update(messageKey(message)).digest("hex"),
  };
}

/**
 * The SQS body of a queued message: its JSON, with every character above U+FFFF (emoji, CJK Extension B
 * ideographs such as 𠮷) written as a `\uD83D\uDE00` escape pair. JSON.parse gives back the same value.
 *
 * Why: SQS accepts those characters, but the fauxqs emulator behind `npm start` refuses any body holding
 * one (InvalidMessageContents: its check reads UTF-16 code units, not code points), so every message with
 * an emoji got a 503 that no retry could cure. Escaped, the body is ASCII there and works on any SQS; the
 * price is 12 bytes for such a character instead of 4, counted by whoever measures this string.
 */
export function toQueueBody(value: unknown): string {
  return JSON.stringify(value).replace(SUPPLEMENTARY, escapePair);
}

const SUPPLEMENTARY = /[\u{10000}-\u{10FFFF}]/gu;

function escapePair(character: string): string {
  const unit = (index: number) => `\\u${character.charCodeAt(index).toString(16).padStart(4, "0")}`;
  return `${unit(0)}${unit(1)}`;
}
