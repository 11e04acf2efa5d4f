import type { S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { StoreDeps } from "../channels/ingress";
import type { InboundMessage } from "../core/message";
import { createDedupStore } from "../stores/dedup";
import { fifoIds, queueBody, s3QueueBodyStore } from "./queue";

/**
 * Where both ingress functions (the public webhook, the SNS subscription) store what they accept: the
 * dedup table's claims, then the FIFO inbound queue (bodies too large go to S3 by reference).
 */
export function ingressStore(
  config: { queueUrl: string; faqBucket: string; tables: { dedup: string } },
  clients: { doc: DynamoDBDocumentClient; s3: S3Client; sqs: SQSClient },
): StoreDeps {
  const bodies = s3QueueBodyStore(clients.s3, config.faqBucket);
  return {
    dedup: createDedupStore(clients.doc, config.tables.dedup),
    async enqueue(message: InboundMessage) {
      const ids = fifoIds(message);
      await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: config.queueUrl,
          MessageBody: await queueBody(message, bodies),
          MessageGroupId: ids.groupId,
          MessageDeduplicationId: ids.deduplicationId,
        }),
      );
    },
  };
}
