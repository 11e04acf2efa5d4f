import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { StoreDeps } from "../channels/ingress";
import type { InboundMessage } from "../core/message";
import { fifoIds, toQueueBody } from "./queue";

/**
 * Where both ingress functions (the public webhook, the SNS ingress) store what they accept: the FIFO
 * inbound queue, every message inline (queue.ts), with the message's key as its deduplication id, so
 * that SQS keeps one of its repeated deliveries (shared/channels/ingress.ts says which).
 */
export function ingressStore(config: { queueUrl: string }, clients: { sqs: SQSClient }): StoreDeps {
  return {
    async enqueue(message: InboundMessage) {
      const ids = fifoIds(message);
      await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: config.queueUrl,
          MessageBody: toQueueBody(message),
          MessageGroupId: ids.groupId,
          MessageDeduplicationId: ids.deduplicationId,
        }),
      );
    },
  };
}
