import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ChannelStateStore } from "../channels/ports";

/**
 * Small durable channel state (sync cursors, SMS opt-outs) in the tokens table, under `state:` keys so
 * it can never collide with an access token's name.
 */
export function createChannelStateStore(doc: DynamoDBDocumentClient, tableName: string): ChannelStateStore {
  return {
    async get<T>(key: string) {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: { name: `state:${key}` }, ConsistentRead: true }),
      );
      return Item?.value as T | undefined;
    },
    async put<T>(key: string, value: T, ttlSeconds?: number) {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            name: `state:${key}`,
            value,
            ...(ttlSeconds ? { expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds } : {}),
          },
        }),
      );
    },
    async putIfRevision(key, value, expectedRevision) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { name: `state:${key}`, value },
            // A conditional PutItem: the same permission as put, no UpdateItem needed.
            ConditionExpression:
              expectedRevision === undefined ? "attribute_not_exists(#v.#r)" : "#v.#r = :expected",
            ExpressionAttributeNames: { "#v": "value", "#r": "revision" },
            ...(expectedRevision === undefined
              ? {}
              : { ExpressionAttributeValues: { ":expected": expectedRevision } }),
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}
