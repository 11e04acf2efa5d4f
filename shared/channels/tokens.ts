import { randomUUID } from "node:crypto";
import type { AccessTokenProvider, FetchedToken } from "./ports";

/**
 * Platform access tokens (WeChat, WeCom, DingTalk…) shared by every Lambda instance. Platforms cap how
 * often a token may be fetched and a fetch revokes the previous token after a short grace period, so
 * instances must not each fetch their own: one refreshes under a lease, the others read its result.
 */

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

/** Builds a provider from a fetcher: how the channel context shares one token store across channels. */
export interface TokenProviderFactory {
  tokenProvider(name: string, fetchToken: () => Promise<FetchedToken>): AccessTokenProvider;
}

/** What an outbound adapter is given for its tokens: a ready provider (tests), or the context's factory. */
export type TokenSource = AccessTokenProvider | TokenProviderFactory;

/** The provider for one platform account: the given one, or the factory's, fed with the account's fetcher. */
export function tokenProviderFor(
  source: TokenSource,
  name: string,
  fetchToken: () => Promise<FetchedToken>,
): AccessTokenProvider {
  return "tokenProvider" in source ? source.tokenProvider(name, fetchToken) : source;
}
