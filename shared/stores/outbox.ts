import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { OutboxRecord, OutboxStore } from "../core/pipeline/ports";
import { RETENTION } from "../resources";
import { unlessConditionFails } from "./table";

export function createOutboxStore(doc: DynamoDBDocumentClient, tableName: string): OutboxStore {
  const store: OutboxStore = {
    async get(messageKey) {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: { messageKey }, ConsistentRead: true }),
      );
      if (!Item) return undefined;
      const { expiresAt: _ttl, ...record } = Item;
      return record as OutboxRecord;
    },

    async put(record, now = new Date()) {
      await doc.send(new PutCommand({ TableName: tableName, Item: withTtl(record, now) }));
    },

    async create(record, now = new Date()) {
      const created = await unlessConditionFails(
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: withTtl(record, now),
            ConditionExpression: "attribute_not_exists(messageKey)",
          }),
        ),
      );
      if (created) return undefined;
      // Rare (two deliveries of one message at once): read the record that stands.
      return store.get(record.messageKey);
    },
  };
  return store;
}

function withTtl(record: OutboxRecord, now: Date) {
  return { ...record, expiresAt: Math.floor(now.getTime() / 1000) + RETENTION.outboxDays * 86_400 };
}
