import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { RETENTION } from "../resources";

/**
 * The worker's record of a reply on its way out, one per inbound message. Written as each part is
 * sent — before the conversation and ticket are recorded, which may fail — and read before deciding,
 * so that a redelivered message sends what is left of the same reply, or nothing, never the reply again.
 */
export interface OutboxRecord<Plan = unknown> {
  /** messageKey() of the inbound message answered. */
  messageKey: string;
  /** What the worker decided to send and record: a retry sends and records the same reply. */
  plan: Plan;
  /** Parts delivered so far. */
  partsSent: number;
  /** Every part is delivered, or the platform refused the reply for good (`refusal`). */
  done: boolean;
  /** The platform's final refusal, when there was one. */
  refusal?: string;
}

export interface OutboxStore {
  get(messageKey: string): Promise<OutboxRecord | undefined>;
  /** Replaces the record of this message. */
  put(record: OutboxRecord, now?: Date): Promise<void>;
}

export function createOutboxStore(doc: DynamoDBDocumentClient, tableName: string): OutboxStore {
  return {
    async get(messageKey) {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: { messageKey }, ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const { expiresAt: _ttl, ...record } = Item;
      return record as OutboxRecord;
    },

    async put(record, now = new Date()) {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...record,
            expiresAt: Math.floor(now.getTime() / 1000) + RETENTION.outboxDays * 86_400,
          },
        }),
      );
    },
  };
}
