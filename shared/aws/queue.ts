import { createHash } from "node:crypto";
import { type InboundMessage, messageKey } from "../core/message";
import { INBOUND_QUEUE } from "../resources";

/**
 * The body of an inbound-queue message: the message itself, inline, serialised by toQueueBody (below).
 *
 * SQS takes a message of up to 1 MiB (since August 2025; the queue's MaximumMessageSize is set to it in
 * infra and in the local stack). A queued message is bounded field by field (MESSAGE_LIMITS, enforced by
 * QueuedMessageSchema before enqueueing); even with every field at its limit and every character
 * written as a 6-byte JSON escape it stays below QUEUE_BODY_MAX_BYTES (test/unit/aws/queue-bodies.test.ts),
 * so no message goes anywhere but the queue, and the webhook needs no S3. The raw request body never
 * crosses the queue: KEFU_MAX_BODY_BYTES bounds what the webhook reads, not what it enqueues.
 *
 * Bodies stored in S3 by an earlier version of the webhook are still read by the worker
 * (queue-bodies.ts) until none can be left in the queue or its dead-letter queue.
 */

/** SQS's limit on a message (body and attributes), and the inbound queues' MaximumMessageSize. */
export const SQS_MAX_MESSAGE_BYTES: number = INBOUND_QUEUE.maxMessageBytes;
/**
 * The largest body the webhook may enqueue: SQS's limit less room for what it counts besides the body
 * (we send no message attributes; the margin is for any added later).
 */
export const QUEUE_BODY_MAX_BYTES = SQS_MAX_MESSAGE_BYTES - 64 * 1024;

/**
 * How long SQS FIFO remembers a deduplication id: a message sent again with the same id within it is
 * accepted and dropped. Repeated deliveries later than that reach the worker, which answers them
 * `duplicate` from the conversation's processed ids.
 */
export const FIFO_DEDUPLICATION_WINDOW_MS = 5 * 60_000;

/**
 * The FIFO ids of a message: its conversation is its group (replies in order), and its key (channel and
 * platform message id, the same on every delivery of it) is its deduplication id. SQS limits both to 128
 * characters: long keys are hashed.
 */
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
