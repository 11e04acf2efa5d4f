import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";

/**
 * Platform access tokens (WeChat, WeCom, DingTalk…) shared by every Lambda instance. Platforms cap how
 * often a token may be fetched and a fetch revokes the previous token after a short grace period, so
 * instances must not each fetch their own: one refreshes under a lease, the others read its result.
 */

export interface AccessTokenProvider {
  /** A token valid for at least the refresh margin. */
  get(): Promise<string>;
  /** The platform refused this token: forget it (locally and in the store) so the next get refreshes. */
  invalidate(token: string): Promise<void>;
}

export interface FetchedToken {
  token: string;
  expiresInSeconds: number;
}

export interface TokenRecord {
  token?: string;
  /** Epoch milliseconds. */
  tokenExpiresAt?: number;
  /** Epoch milliseconds; a refresh is under way until then. */
  leaseUntil?: number;
}

export interface TokenStore {
  read(name: string): Promise<TokenRecord | undefined>;
  /**
   * Takes the refresh lease, atomically, only if no other lease is live and the stored token needs
   * refreshing (absent, or expiring before `refreshBefore`). Returns whether it was taken.
   */
  acquireLease(
    name: string,
    owner: string,
    at: { now: number; leaseUntil: number; refreshBefore: number },
  ): Promise<boolean>;
  /** Stores the new token and releases the lease, if `owner` still holds it. Returns whether it did. */
  save(name: string, owner: string, token: string, tokenExpiresAt: number): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;
  /** Removes the token if it is still this one (a newer token stored meanwhile is kept). */
  invalidate(name: string, token: string): Promise<void>;
}

export class TokenUnavailableError extends Error {
  constructor(name: string, options?: { cause?: unknown }) {
    super(`no access token for ${name}: another instance holds the refresh lease`, options);
    this.name = "TokenUnavailableError";
  }
}

export interface SharedTokenProviderOptions {
  /** Unique per platform account, e.g. `wechat:<AppID>`. */
  name: string;
  fetchToken: () => Promise<FetchedToken>;
  store: TokenStore;
  /** Epoch milliseconds. */
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Refresh this long before expiry; WeChat keeps the old token valid ~5 min after a refresh. */
  refreshMarginSeconds?: number;
  /** How long a refresher may hold the lease; a crashed holder blocks others no longer than this. */
  leaseSeconds?: number;
  /** Between re-reads while another instance refreshes. */
  pollMs?: number;
  /** Give up waiting for another instance's refresh after this long (> leaseSeconds, to take over). */
  maxWaitMs?: number;
}

export function createSharedTokenProvider(options: SharedTokenProviderOptions): AccessTokenProvider {
  const { name, fetchToken, store } = options;
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const marginMs = (options.refreshMarginSeconds ?? 300) * 1000;
  const leaseMs = (options.leaseSeconds ?? 10) * 1000;
  const pollMs = options.pollMs ?? 200;
  const maxWaitMs = options.maxWaitMs ?? leaseMs + 2000;
  const owner = randomUUID();

  let memo: { token: string; expiresAt: number } | undefined;
  // Concurrent callers in one process share one trip to the store.
  let inFlight: Promise<string> | undefined;

  const fresh = (expiresAt: number | undefined) => expiresAt !== undefined && clock() < expiresAt - marginMs;

  async function load(): Promise<string> {
    const started = clock();
    for (;;) {
      const record = await store.read(name);
      if (record?.token && fresh(record.tokenExpiresAt)) {
        memo = { token: record.token, expiresAt: record.tokenExpiresAt ?? 0 };
        return record.token;
      }
      const now = clock();
      const leased = await store.acquireLease(name, owner, {
        now,
        leaseUntil: now + leaseMs,
        refreshBefore: now + marginMs,
      });
      if (leased) return refresh();
      if (clock() - started >= maxWaitMs) throw new TokenUnavailableError(name);
      await sleep(pollMs);
    }
  }

  async function refresh(): Promise<string> {
    let fetched: FetchedToken;
    try {
      fetched = await fetchToken();
    } catch (error) {
      // Free the lease at once, so another instance (or our next call) can try without waiting it out.
      await store.releaseLease(name, owner).catch(() => undefined);
      throw error;
    }
    const expiresAt = clock() + fetched.expiresInSeconds * 1000;
    const saved = await store.save(name, owner, fetched.token, expiresAt);
    // Lease lost while fetching (a very slow fetch): the token is still valid now, so use it for this
    // call, but do not keep it, since the store may already hold a newer one.
    if (saved) memo = { token: fetched.token, expiresAt };
    return fetched.token;
  }

  return {
    async get() {
      if (memo && fresh(memo.expiresAt)) return memo.token;
      inFlight ??= load().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    async invalidate(token: string) {
      if (memo?.token === token) memo = undefined;
      await store.invalidate(name, token);
    },
  };
}

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

/** A single-process store, for tests and tools: it shares nothing between processes. */
export function createMemoryTokenStore(): TokenStore {
  const items = new Map<string, TokenRecord & { leaseOwner?: string }>();
  return {
    async read(name) {
      const item = items.get(name);
      return item
        ? { token: item.token, tokenExpiresAt: item.tokenExpiresAt, leaseUntil: item.leaseUntil }
        : undefined;
    },
    async acquireLease(name, owner, at) {
      const item = items.get(name) ?? {};
      if (item.leaseUntil !== undefined && item.leaseUntil >= at.now) return false;
      if (item.tokenExpiresAt !== undefined && item.tokenExpiresAt >= at.refreshBefore) return false;
      items.set(name, { ...item, leaseUntil: at.leaseUntil, leaseOwner: owner });
      return true;
    },
    async save(name, owner, token, tokenExpiresAt) {
      const item = items.get(name);
      if (item?.leaseOwner !== owner) return false;
      items.set(name, { token, tokenExpiresAt });
      return true;
    },
    async releaseLease(name, owner) {
      const item = items.get(name);
      if (item?.leaseOwner === owner)
        items.set(name, { token: item.token, tokenExpiresAt: item.tokenExpiresAt });
    },
    async invalidate(name, token) {
      const item = items.get(name);
      if (item?.token === token)
        items.set(name, { leaseUntil: item.leaseUntil, leaseOwner: item.leaseOwner });
    },
  };
}
