import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DedupStore } from "../channels/ingress";
import { RETENTION } from "../resources";

/**
 * The claims in DynamoDB: a conditional put, so that concurrent deliveries on different Lambda instances
 * agree on one owner. A `received` claim older than the lease is taken over by the next delivery.
 */
export const CLAIM_LEASE_MS = 15_000;

export function createDedupStore(doc: DynamoDBDocumentClient, tableName: string): DedupStore {
  return {
    async claim(key, now = new Date()) {
      const nowMs = now.getTime();
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              messageKey: key,
              state: "received",
              claimedAt: nowMs,
              expiresAt: Math.floor(nowMs / 1000) + RETENTION.dedupDays * 86_400,
            },
            ConditionExpression:
              "attribute_not_exists(messageKey) OR (#state = :received AND claimedAt < :stale)",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: { ":received": "received", ":stale": nowMs - CLAIM_LEASE_MS },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return "claimed";
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        return error.Item?.state?.S === "enqueued" ? "duplicate" : "in_flight";
      }
    },

    async markEnqueued(key) {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { messageKey: key },
          UpdateExpression: "SET #state = :enqueued",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":enqueued": "enqueued" },
        }),
      );
    },

    async release(key) {
      // Deleting only a `received` claim: never undo one that another delivery completed.
      await doc
        .send(
          new UpdateCommand({
            TableName: tableName,
            Key: { messageKey: key },
            UpdateExpression: "SET claimedAt = :zero",
            ConditionExpression: "#state = :received",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: { ":received": "received", ":zero": 0 },
          }),
        )
        .catch((error) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
    },
  };
}
