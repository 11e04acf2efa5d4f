import type { ChannelStateStore } from "../channels/ports";
import type { DocumentTable, Value } from "./table";

/**
 * Small durable channel state (sync cursors, SMS opt-outs) in the tokens table, under `state:` keys so
 * it can never collide with an access token's name; over the narrow table (table.ts: the SDK in most
 * functions, signed fetch in the webhook).
 */
export function createChannelStateStore(table: DocumentTable, tableName: string): ChannelStateStore {
  const keyOf = (key: string) => ({ name: `state:${key}` });
  return {
    async get<T>(key: string) {
      const { Item } = await table.get({ TableName: tableName, Key: keyOf(key), ConsistentRead: true });
      return Item?.value as T | undefined;
    },
    async put<T>(key: string, value: T, ttlSeconds?: number) {
      await table.put({
        TableName: tableName,
        Item: {
          ...keyOf(key),
          value: value as Value,
          ...(ttlSeconds ? { expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds } : {}),
        },
      });
    },
    putIfRevision(key, value, expectedRevision) {
      return table.put({
        TableName: tableName,
        Item: { ...keyOf(key), value: value as Value },
        // A conditional PutItem: the same permission as put, no UpdateItem needed.
        ConditionExpression:
          expectedRevision === undefined ? "attribute_not_exists(#v.#r)" : "#v.#r = :expected",
        ExpressionAttributeNames: { "#v": "value", "#r": "revision" },
        ...(expectedRevision === undefined
          ? {}
          : { ExpressionAttributeValues: { ":expected": expectedRevision } }),
      });
    },
  };
}
