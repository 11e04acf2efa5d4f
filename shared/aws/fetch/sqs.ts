import { createHash } from "node:crypto";
import type { InboundMessage } from "../../core/message";
import { fifoIds, toQueueBody } from "../queue";
import { type AwsJsonClientOptions, awsJsonClient } from "./aws-json";

export const SQS = { service: "sqs", targetPrefix: "AmazonSQS", jsonVersion: "1.0" } as const;

/** SQS answered with a digest of another body: the message was altered on the way. */
export class QueueChecksumError extends Error {
  readonly code = "queue_checksum_mismatch";
  constructor() {
    super("SQS's MD5 of the message body does not match the body sent");
    this.name = "QueueChecksumError";
  }
}

/**
 * The webhook's enqueue: SendMessage to the FIFO inbound queue over the signed-fetch client, with the
 * body and ids the SDK path sends (queue.ts), and the digest check the SDK's SQS client makes.
 */
export function fetchEnqueue(options: AwsJsonClientOptions, queueUrl: string) {
  const call = awsJsonClient(SQS, options);
  return async function enqueue(message: InboundMessage): Promise<void> {
    const body = toQueueBody(message);
    const ids = fifoIds(message);
    const answer = await call<{ MD5OfMessageBody?: string }>("SendMessage", {
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageGroupId: ids.groupId,
      MessageDeduplicationId: ids.deduplicationId,
    });
    const md5 = createHash("md5").update(body, "utf8").digest("hex");
    if (answer.MD5OfMessageBody !== undefined && answer.MD5OfMessageBody !== md5) {
      throw new QueueChecksumError();
    }
  };
}
