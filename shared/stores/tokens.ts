import type { TokenStore } from "../channels/tokens";
import type { DocumentTable } from "./table";

/**
 * The DynamoDB-backed store, over the narrow table (table.ts: the SDK in most functions, signed fetch in
 * the webhook). Item per name: token, tokenExpiresAt and leaseUntil in epoch ms, leaseOwner, and
 * `expiresAt` (epoch seconds), the table's TTL attribute, a day past the token's expiry so that stale
 * items of retired accounts disappear without racing a refresh.
 */
export function createTokenStore(table: DocumentTable, tableName: string): TokenStore {
  const ttlSeconds = (epochMs: number) => Math.ceil(epochMs / 1000) + 86_400;
  /** A conditional update of the item `name` (false when its condition did not hold). */
  const updateIf = (
    name: string,
    update: Omit<Parameters<DocumentTable["update"]>[0], "TableName" | "Key">,
  ) => table.update({ TableName: tableName, Key: { name }, ...update });

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
      return updateIf(name, {
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
      });
    },

    save(name, owner, token, tokenExpiresAt) {
      return updateIf(name, {
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
      });
    },

    async releaseLease(name, owner) {
      await updateIf(name, {
        UpdateExpression: "REMOVE leaseUntil, leaseOwner",
        ConditionExpression: "leaseOwner = :owner",
        ExpressionAttributeValues: { ":owner": owner },
      });
    },

    async invalidate(name, token) {
      await updateIf(name, {
        UpdateExpression: "REMOVE #token, tokenExpiresAt",
        ConditionExpression: "#token = :token",
        ExpressionAttributeNames: { "#token": "token" },
        ExpressionAttributeValues: { ":token": token },
      });
    },
  };
}
