import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { OutboxRecord, OutboxStore } from "../core/pipeline/ports";
import { RETENTION } from "../resources";

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
