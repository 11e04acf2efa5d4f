import { describe, expect, it } from "vitest";
import {
  INLINE_BODY_MAX_BYTES,
  queueBody,
  readQueueBody,
  SQS_MAX_BODY_BYTES,
} from "../../../shared/aws/queue";
import { type InboundMessage, MESSAGE_LIMITS, QueuedMessageSchema } from "../../../shared/core/message";
import { inbound, memoryQueueBodies } from "../../support/fakes";

/** Every field at its limit, in the character JSON escapes the most (6 bytes for 1): the worst case. */
function largestMessage(): InboundMessage {
  const worst = (n: number) => "\u0001".repeat(n);
  const L = MESSAGE_LIMITS;
  return QueuedMessageSchema.parse({
    ...inbound({ id: "largest" }),
    sender: { id: "o-1", name: worst(L.senderNameChars) },
    text: worst(L.textChars),
    attachments: Array.from({ length: L.attachments }, () => ({
      type: "file",
      name: worst(L.attachmentNameChars),
      contentType: worst(L.contentTypeChars),
      ref: worst(L.attachmentRefChars),
      url: worst(L.attachmentUrlChars),
    })),
    replyContext: Object.fromEntries(
      Array.from({ length: L.replyContextEntries }, (_, i) => [`k${i}`, worst(L.replyContextValueChars)]),
    ),
  });
}

describe("queue bodies", () => {
  it("carries an ordinary message inline", async () => {
    const store = memoryQueueBodies();
    const message = inbound({ text: "怎么退货？😀" });
    const body = await queueBody(message, store);
    expect(JSON.parse(body)).toEqual(message);
    expect(store.objects.size).toBe(0);
    expect(await readQueueBody(body, store)).toEqual(message);
  });

  it("stores a body over the inline limit in S3 and queues a small reference the worker resolves", async () => {
    const store = memoryQueueBodies();
    const message = largestMessage();
    expect(Buffer.byteLength(JSON.stringify(message))).toBeGreaterThan(SQS_MAX_BODY_BYTES);
    const body = await queueBody(message, store);
    expect(Buffer.byteLength(body)).toBeLessThan(1024);
    expect(JSON.parse(body)).toEqual({
      bodyRef: expect.stringMatching(/^queue-bodies\/[0-9a-f]{64}\.json$/),
      channel: "wechat",
      id: "largest",
    });
    expect(await readQueueBody(body, store)).toEqual(message);
    // A retried delivery of the same message writes the same object, not a second one.
    expect(await queueBody(message, store)).toBe(body);
    expect(store.objects.size).toBe(1);
  });

  it("keeps every body SQS receives under its limit, with room to spare", async () => {
    const store = memoryQueueBodies();
    for (const message of [inbound(), largestMessage()]) {
      const body = await queueBody(message, store);
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(INLINE_BODY_MAX_BYTES);
    }
    expect(INLINE_BODY_MAX_BYTES).toBeLessThan(SQS_MAX_BODY_BYTES);
  });

  it("reads a reference only under queue-bodies/", async () => {
    const store = memoryQueueBodies();
    store.objects.set("uploads/faq.csv", JSON.stringify(inbound()));
    await expect(readQueueBody(JSON.stringify({ bodyRef: "uploads/faq.csv" }), store)).rejects.toThrow(
      /queue-bodies/,
    );
  });
});
