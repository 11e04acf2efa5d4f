import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { RETENTION } from "../resources";

/**
 * Durable de-duplication of platform deliveries. WeChat and WeCom retry a message three times within
 * 15 s and DingTalk re-delivers after a minute, each with the same message id; in-memory maps do not
 * survive across Lambda instances, so the claim is a DynamoDB conditional write.
 *
 * A claim goes `received` → `enqueued`. Only an `enqueued` claim makes a delivery a duplicate: if the
 * enqueue failed (or the instance died) the claim stays `received`, and once it is older than the lease
 * the next retry takes it over, so a message is never acknowledged without being stored.
 */
export type ClaimResult =
  /** This delivery owns the message: enqueue it, then call markEnqueued. */
  | "claimed"
  /** The message is already on the queue: acknowledge without enqueueing. */
  | "duplicate"
  /** Another delivery is enqueueing it right now: ask the platform to retry. */
  | "in_flight";

export interface DedupStore {
  claim(key: string, now?: Date): Promise<ClaimResult>;
  markEnqueued(key: string): Promise<void>;
  /** Gives a claim up after a failed enqueue, so that the platform's retry can claim it at once. */
  release(key: string): Promise<void>;
}

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
