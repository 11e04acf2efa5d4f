import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { StoreDeps } from "../channels/ingress";
import type { InboundMessage } from "../core/message";
import { createDedupStore } from "../stores/dedup";
import { fifoIds, toQueueBody } from "./queue";

/**
 * Where both ingress functions (the public webhook, the SNS subscription) store what they accept: the
 * dedup table's claims, then the FIFO inbound queue, every message inline (queue.ts).
 */
export function ingressStore(
  config: { queueUrl: string; tables: { dedup: string } },
  clients: { doc: DynamoDBDocumentClient; sqs: SQSClient },
): StoreDeps {
  return {
    dedup: createDedupStore(clients.doc, config.tables.dedup),
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
