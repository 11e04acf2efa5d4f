import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type InboundMessage, InboundMessageSchema } from "../core/message";
import { FAQ_BUCKET } from "../resources";

/**
 * The worker's side of the queue's bodies. Until SQS took 1 MiB, a webhook stored a body over its inline
 * limit under `queue-bodies/` in the FAQ bucket and queued a reference to it; today's webhook queues
 * every message inline (queue.ts). A reference may still be in flight after an upgrade (in the queue or
 * its dead-letter queue, 14 days at most), so the worker still resolves one; the objects expire with a
 * lifecycle rule on the prefix. This reader can go once no deployment can hold such a reference.
 */
export interface QueueBodyStore {
  get(key: string): Promise<string>;
}

/** What an earlier webhook queued instead of a message too large to go inline. */
interface BodyReference {
  bodyRef: string;
  /** For logs and the DLQ: which message this is, without its content. */
  channel: string;
  id: string;
}

const REF_KEY = new RegExp(`^${FAQ_BUCKET.queueBodiesPrefix}[0-9a-f]{64}\\.json$`);

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

/** Queue bodies stored in the FAQ bucket by an earlier webhook. */
export function s3QueueBodyStore(s3: S3Client, bucket: string): QueueBodyStore {
  return {
    async get(key) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await object.Body?.transformToString("utf8")) ?? "";
    },
  };
}
