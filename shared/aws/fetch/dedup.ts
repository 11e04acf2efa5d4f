import type { DedupStore } from "../../channels/ingress";
import { RETENTION } from "../../resources";
import { type DocumentTable, failedConditionItem, isConditionFailure } from "./dynamodb";

/**
 * The dedup claims over the signed-fetch DynamoDB client: the webhook's, with the items and conditions
 * of shared/stores/dedup.ts (the SNS ingress's, through the SDK); the contract suite holds both, lease
 * included. Not imported from there: that module loads the SDK's DynamoDB client.
 */
const CLAIM_LEASE_MS = 15_000;

export function fetchDedupStore(table: DocumentTable, tableName: string): DedupStore {
  return {
    async claim(key, now = new Date()) {
      const nowMs = now.getTime();
      try {
        await table.put({
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
        });
        return "claimed";
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        return failedConditionItem(error)?.state === "enqueued" ? "duplicate" : "in_flight";
      }
    },

    async markEnqueued(key) {
      await table.update({
        TableName: tableName,
        Key: { messageKey: key },
        UpdateExpression: "SET #state = :enqueued",
        ExpressionAttributeNames: { "#state": "state" },
        ExpressionAttributeValues: { ":enqueued": "enqueued" },
      });
    },

    async release(key) {
      // Only a `received` claim: never undo one that another delivery completed.
      try {
        await table.update({
          TableName: tableName,
          Key: { messageKey: key },
          UpdateExpression: "SET claimedAt = :zero",
          ConditionExpression: "#state = :received",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":received": "received", ":zero": 0 },
        });
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },
  };
}
