import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { ingressStore } from "../../../shared/aws/ingress";
import { QUEUE_BODY_MAX_BYTES, SQS_MAX_MESSAGE_BYTES, toQueueBody } from "../../../shared/aws/queue";
import { readQueueBody } from "../../../shared/aws/queue-bodies";
import { forQueue } from "../../../shared/channels/ingress";
import { MESSAGE_LIMITS, QueuedMessageSchema } from "../../../shared/core/message";
import { inbound, memoryQueueBodies } from "../../support/fakes";
import { largestQueuedMessage, WORST_CHARACTERS } from "../../support/largest-message";

const bytes = (body: string) => Buffer.byteLength(body, "utf8");

describe("queue bodies", () => {
  it("fits the largest message a channel can queue inline, whatever characters it holds", () => {
    expect(SQS_MAX_MESSAGE_BYTES).toBe(1_048_576);
    expect(QUEUE_BODY_MAX_BYTES).toBeLessThan(SQS_MAX_MESSAGE_BYTES);
    for (const [name, character] of Object.entries(WORST_CHARACTERS)) {
      const message = largestQueuedMessage(character);
      const body = toQueueBody(message);
      // The worst case really is near 6 bytes per code unit: about 660 KB, not a small message.
      expect(bytes(body), name).toBeGreaterThan(600 * 1024);
      expect(bytes(body), name).toBeLessThanOrEqual(QUEUE_BODY_MAX_BYTES);
      expect(JSON.parse(body), name).toEqual(message);
    }
  });

  it("bounds every field the worst case fills: one unit more is refused before the queue", () => {
    const message = largestQueuedMessage();
    const over = { ...message, text: `${message.text}x` };
    expect(QueuedMessageSchema.safeParse(over).success).toBe(false);
    const tooMany = { ...message, attachments: [...message.attachments, { type: "other" }] };
    expect(QueuedMessageSchema.safeParse(tooMany).success).toBe(false);
  });

  it("cuts an adapter's oversized message to the limits before it is queued", () => {
    const huge = "\u0001".repeat(2 * SQS_MAX_MESSAGE_BYTES);
    const message = inbound({
      text: huge,
      sender: { id: "o-1", name: huge },
      attachments: Array.from({ length: 100 }, () => ({
        type: "file" as const,
        name: huge,
        contentType: huge,
      })),
    });
    const queued = forQueue(message);
    expect(queued.text.length).toBeLessThanOrEqual(MESSAGE_LIMITS.textChars);
    expect(bytes(toQueueBody(queued))).toBeLessThanOrEqual(QUEUE_BODY_MAX_BYTES);
  });

  it("reads an inline body", async () => {
    const message = inbound({ text: "怎么退货？😀" });
    expect(await readQueueBody(toQueueBody(message), memoryQueueBodies())).toEqual(message);
  });

  it("still resolves a reference an earlier webhook queued, from the body it stored", async () => {
    const store = memoryQueueBodies();
    const message = inbound({ id: "stored" });
    const key = `queue-bodies/${"a".repeat(64)}.json`;
    store.objects.set(key, JSON.stringify(message));
    const reference = JSON.stringify({ bodyRef: key, channel: "wechat", id: "stored" });
    expect(await readQueueBody(reference, store)).toEqual(message);
  });

  it("reads a reference only under queue-bodies/", async () => {
    const store = memoryQueueBodies();
    store.objects.set("uploads/faq.csv", JSON.stringify(inbound()));
    await expect(readQueueBody(JSON.stringify({ bodyRef: "uploads/faq.csv" }), store)).rejects.toThrow(
      /queue-bodies/,
    );
  });
});

describe("the ingress's enqueue", () => {
  const sqs = mockClient(SQSClient);
  afterEach(() => sqs.reset());

  it("sends the largest message inline, as one SQS message within its limit", async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: "1" });
    const store = ingressStore(
      { queueUrl: "https://sqs.us-west-2.amazonaws.com/1/kefu-inbound.fifo" },
      { sqs: new SQSClient({ region: "us-west-2" }) },
    );
    const message = largestQueuedMessage(WORST_CHARACTERS.astral);
    await store.enqueue(message);
    const [call, ...more] = sqs.commandCalls(SendMessageCommand);
    expect(more).toHaveLength(0);
    const body = call?.args[0].input.MessageBody ?? "";
    expect(bytes(body)).toBeLessThanOrEqual(QUEUE_BODY_MAX_BYTES);
    expect(await readQueueBody(body, memoryQueueBodies())).toEqual(message);
  });
});
