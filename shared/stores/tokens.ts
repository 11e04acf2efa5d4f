import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { TokenStore } from "../channels/tokens";

/**
 * The DynamoDB-backed store. Item per name: token, tokenExpiresAt and leaseUntil in epoch ms, leaseOwner,
 * and `expiresAt` (epoch seconds), the table's TTL attribute, a day past the token's expiry so that
 * stale items of retired accounts disappear without racing a refresh.
 */
export function createDynamoTokenStore(docClient: DynamoDBDocumentClient, tableName: string): TokenStore {
  const ttlSeconds = (epochMs: number) => Math.ceil(epochMs / 1000) + 86_400;

  return {
    async read(name) {
      const { Item } = await docClient.send(
        new GetCommand({ TableName: tableName, Key: { name }, ConsistentRead: true }),
      );
      if (!Item) return undefined;
      return {
        token: typeof Item.token === "string" ? Item.token : undefined,
        tokenExpiresAt: typeof Item.tokenExpiresAt === "number" ? Item.tokenExpiresAt : undefined,
        leaseUntil: typeof Item.leaseUntil === "number" ? Item.leaseUntil : undefined,
      };
    },

    async acquireLease(name, owner, at) {
      return conditional(
        docClient.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { name },
            UpdateExpression: "SET leaseUntil = :leaseUntil, leaseOwner = :owner, expiresAt = :ttl",
            ConditionExpression:
              "(attribute_not_exists(leaseUntil) OR leaseUntil < :now) AND " +
              "(attribute_not_exists(tokenExpiresAt) OR tokenExpiresAt < :refreshBefore)",
            ExpressionAttributeValues: {
              ":leaseUntil": at.leaseUntil,
              ":owner": owner,
              ":now": at.now,
              ":refreshBefore": at.refreshBefore,
              ":ttl": ttlSeconds(at.leaseUntil),
            },
          }),
        ),
      );
    },

    async save(name, owner, token, tokenExpiresAt) {
      return conditional(
        docClient.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { name },
            UpdateExpression:
              "SET #token = :token, tokenExpiresAt = :exp, expiresAt = :ttl REMOVE leaseUntil, leaseOwner",
            ConditionExpression: "leaseOwner = :owner",
            ExpressionAttributeNames: { "#token": "token" },
            ExpressionAttributeValues: {
              ":token": token,
              ":exp": tokenExpiresAt,
              ":ttl": ttlSeconds(tokenExpiresAt),
              ":owner": owner,
            },
          }),
        ),
      );
    },

    async releaseLease(name, owner) {
      await conditional(
        docClient.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { name },
            UpdateExpression: "REMOVE leaseUntil, leaseOwner",
            ConditionExpression: "leaseOwner = :owner",
            ExpressionAttributeValues: { ":owner": owner },
          }),
        ),
      );
    },

    async invalidate(name, token) {
      await conditional(
        docClient.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { name },
            UpdateExpression: "REMOVE #token, tokenExpiresAt",
            ConditionExpression: "#token = :token",
            ExpressionAttributeNames: { "#token": "token" },
            ExpressionAttributeValues: { ":token": token },
          }),
        ),
      );
    },
  };
}

/** Resolves to false when the condition failed: losing a race here is an expected outcome. */
async function conditional(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    if (error instanceof Error && error.name === "ConditionalCheckFailedException") return false;
    throw error;
  }
}
