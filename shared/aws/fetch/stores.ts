import type { ChannelStateStore } from "../../channels/ports";
import type { TokenStore } from "../../channels/tokens";
import { type DocumentTable, isConditionFailure, type Value } from "./dynamodb";

/**
 * The tokens table's two stores, access tokens and channel state, over the signed-fetch DynamoDB client:
 * the webhook's (the WeCom 微信客服 pull needs a token and its cursor, Twilio the opt-outs). Items,
 * conditions and TTLs are those of shared/stores/tokens.ts and channel-state.ts, which the other
 * functions use through the SDK; test/integration/contract.test.ts holds both to the same contract.
 */
export function fetchTokenStore(table: DocumentTable, tableName: string): TokenStore {
  const ttlSeconds = (epochMs: number) => Math.ceil(epochMs / 1000) + 86_400;

  return {
    async read(name) {
      const { Item } = await table.get({ TableName: tableName, Key: { name }, ConsistentRead: true });
      if (!Item) return undefined;
      return {
        token: typeof Item.token === "string" ? Item.token : undefined,
        tokenExpiresAt: typeof Item.tokenExpiresAt === "number" ? Item.tokenExpiresAt : undefined,
        leaseUntil: typeof Item.leaseUntil === "number" ? Item.leaseUntil : undefined,
      };
    },

    acquireLease(name, owner, at) {
      return conditional(
        table.update({
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
      );
    },

    save(name, owner, token, tokenExpiresAt) {
      return conditional(
        table.update({
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
      );
    },

    async releaseLease(name, owner) {
      await conditional(
        table.update({
          TableName: tableName,
          Key: { name },
          UpdateExpression: "REMOVE leaseUntil, leaseOwner",
          ConditionExpression: "leaseOwner = :owner",
          ExpressionAttributeValues: { ":owner": owner },
        }),
      );
    },

    async invalidate(name, token) {
      await conditional(
        table.update({
          TableName: tableName,
          Key: { name },
          UpdateExpression: "REMOVE #token, tokenExpiresAt",
          ConditionExpression: "#token = :token",
          ExpressionAttributeNames: { "#token": "token" },
          ExpressionAttributeValues: { ":token": token },
        }),
      );
    },
  };
}

/** Channel state under `state:` keys of the tokens table, as shared/stores/channel-state.ts keeps it. */
export function fetchChannelStateStore(table: DocumentTable, tableName: string): ChannelStateStore {
  return {
    async get<T>(key: string) {
      const { Item } = await table.get({
        TableName: tableName,
        Key: { name: `state:${key}` },
        ConsistentRead: true,
      });
      return Item?.value as T | undefined;
    },
    async put<T>(key: string, value: T, ttlSeconds?: number) {
      await table.put({
        TableName: tableName,
        Item: {
          name: `state:${key}`,
          value: value as Value,
          ...(ttlSeconds ? { expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds } : {}),
        },
      });
    },
    putIfRevision(key, value, expectedRevision) {
      return conditional(
        table.put({
          TableName: tableName,
          Item: { name: `state:${key}`, value: value as Value },
          ConditionExpression:
            expectedRevision === undefined ? "attribute_not_exists(#v.#r)" : "#v.#r = :expected",
          ExpressionAttributeNames: { "#v": "value", "#r": "revision" },
          ...(expectedRevision === undefined
            ? {}
            : { ExpressionAttributeValues: { ":expected": expectedRevision } }),
        }),
      );
    },
  };
}

/** Resolves to false when the condition failed: losing a race here is an expected outcome. */
async function conditional(call: Promise<void>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
