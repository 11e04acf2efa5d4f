import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import type { FetchedToken } from "../../../shared/channels/ports";
import {
  createSharedTokenProvider,
  type TokenStore,
  TokenUnavailableError,
} from "../../../shared/channels/tokens";
import { memoryTokenStore } from "../../../shared/stores/memory";
import { sdkDocumentTable } from "../../../shared/stores/sdk-table";
import { createTokenStore } from "../../../shared/stores/tokens";

const T0 = Date.parse("2026-03-01T00:00:00Z");

/** A clock the test moves, and a sleep that moves it. */
function fakeTime() {
  let now = T0;
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function fetcher(prefix = "T", expiresInSeconds = 7200) {
  let n = 0;
  const fn = async (): Promise<FetchedToken> => ({ token: `${prefix}${++n}`, expiresInSeconds });
  return Object.assign(fn, { count: () => n });
}

describe("shared token provider", () => {
  it("fetches once, then serves from memory", async () => {
    const time = fakeTime();
    const fetchToken = fetcher();
    const provider = createSharedTokenProvider({
      name: "wx",
      fetchToken,
      store: memoryTokenStore(),
      ...time,
    });
    expect(await provider.get()).toBe("T1");
    expect(await provider.get()).toBe("T1");
    expect(fetchToken.count()).toBe(1);
  });

  it("shares the stored token across instances instead of fetching again", async () => {
    const time = fakeTime();
    const store = memoryTokenStore();
    const fetchToken = fetcher();
    const a = createSharedTokenProvider({ name: "wx", fetchToken, store, ...time });
    const b = createSharedTokenProvider({ name: "wx", fetchToken, store, ...time });
    expect(await a.get()).toBe("T1");
    expect(await b.get()).toBe("T1");
    expect(fetchToken.count()).toBe(1);
  });

  it("refreshes only within the margin before expiry, not while the token is comfortably valid", async () => {
    const time = fakeTime();
    const fetchToken = fetcher();
    const provider = createSharedTokenProvider({
      name: "wx",
      fetchToken,
      store: memoryTokenStore(),
      refreshMarginSeconds: 300,
      ...time,
    });
    await provider.get();
    time.advance((7200 - 301) * 1000);
    expect(await provider.get()).toBe("T1");
    time.advance(2000);
    expect(await provider.get()).toBe("T2");
  });

  it("collapses concurrent calls in one process into one fetch", async () => {
    const time = fakeTime();
    const fetchToken = fetcher();
    const provider = createSharedTokenProvider({
      name: "wx",
      fetchToken,
      store: memoryTokenStore(),
      ...time,
    });
    const tokens = await Promise.all([provider.get(), provider.get(), provider.get()]);
    expect(tokens).toEqual(["T1", "T1", "T1"]);
    expect(fetchToken.count()).toBe(1);
  });

  it("while another instance holds the lease, waits and reads its token rather than fetching", async () => {
    const time = fakeTime();
    const store = memoryTokenStore();
    expect(
      await store.acquireLease("wx", "other", { now: T0, leaseUntil: T0 + 10_000, refreshBefore: T0 }),
    ).toBe(true);
    const fetchToken = fetcher();
    const provider = createSharedTokenProvider({
      name: "wx",
      fetchToken,
      store,
      clock: time.clock,
      pollMs: 200,
      sleep: async (ms) => {
        time.advance(ms);
        // The other instance finishes its refresh while we wait.
        if (time.clock() >= T0 + 600) await store.save("wx", "other", "OTHER", T0 + 7_200_000);
      },
    });
    expect(await provider.get()).toBe("OTHER");
    expect(fetchToken.count()).toBe(0);
  });

  it("takes over when a crashed holder's lease runs out", async () => {
    const time = fakeTime();
    const store = memoryTokenStore();
    await store.acquireLease("wx", "crashed", { now: T0, leaseUntil: T0 + 10_000, refreshBefore: T0 });
    const fetchToken = fetcher();
    const provider = createSharedTokenProvider({ name: "wx", fetchToken, store, leaseSeconds: 10, ...time });
    expect(await provider.get()).toBe("T1");
    expect(time.clock()).toBeGreaterThan(T0 + 10_000);
    expect(fetchToken.count()).toBe(1);
  });

  it("gives up, bounded, when the lease is never released", async () => {
    const time = fakeTime();
    const stuck: TokenStore = {
      ...memoryTokenStore(),
      read: async () => undefined,
      acquireLease: async () => false,
    };
    const provider = createSharedTokenProvider({
      name: "wx",
      fetchToken: fetcher(),
      store: stuck,
      maxWaitMs: 3000,
      ...time,
    });
    await expect(provider.get()).rejects.toBeInstanceOf(TokenUnavailableError);
    expect(time.clock() - T0).toBeLessThanOrEqual(3200);
  });

  it("releases the lease when the fetch fails, so the next call can try at once", async () => {
    const time = fakeTime();
    const store = memoryTokenStore();
    let fail = true;
    const provider = createSharedTokenProvider({
      name: "wx",
      store,
      fetchToken: async () => {
        if (fail) throw new Error("token endpoint down");
        return { token: "T1", expiresInSeconds: 7200 };
      },
      ...time,
    });
    await expect(provider.get()).rejects.toThrow("token endpoint down");
    fail = false;
    expect(await provider.get()).toBe("T1");
    expect(time.clock()).toBe(T0);
  });

  it("after invalidate, drops the token everywhere and the next get fetches a new one", async () => {
    const time = fakeTime();
    const store = memoryTokenStore();
    const fetchToken = fetcher();
    const a = createSharedTokenProvider({ name: "wx", fetchToken, store, ...time });
    const b = createSharedTokenProvider({ name: "wx", fetchToken, store, ...time });
    expect(await a.get()).toBe("T1");
    await a.invalidate("T1");
    expect(await b.get()).toBe("T2");
    // A late invalidation of the old token must not wipe the new one.
    await b.invalidate("T1");
    expect(await a.get()).toBe("T2");
    expect(fetchToken.count()).toBe(2);
  });
});

describe("DynamoDB token store", () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const store = createTokenStore(sdkDocumentTable(ddb as unknown as DynamoDBDocumentClient), "kefu-tokens");
  const conditionFailed = () =>
    new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });

  beforeEach(() => ddb.reset());

  it("reads with a consistent read and maps the item", async () => {
    ddb.on(GetCommand).resolves({ Item: { name: "wx", token: "T1", tokenExpiresAt: T0, expiresAt: 1 } });
    expect(await store.read("wx")).toEqual({ token: "T1", tokenExpiresAt: T0, leaseUntil: undefined });
    const input = ddb.commandCalls(GetCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ TableName: "kefu-tokens", Key: { name: "wx" }, ConsistentRead: true });
    ddb.on(GetCommand).resolves({});
    expect(await store.read("wx")).toBeUndefined();
  });

  it("takes the lease with one conditional update: no live lease, and the token needs refreshing", async () => {
    ddb.on(UpdateCommand).resolves({});
    const at = { now: T0, leaseUntil: T0 + 10_000, refreshBefore: T0 + 300_000 };
    expect(await store.acquireLease("wx", "me", at)).toBe(true);
    const input = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toContain("leaseUntil < :now");
    expect(input?.ConditionExpression).toContain("tokenExpiresAt < :refreshBefore");
    expect(input?.ExpressionAttributeValues).toMatchObject({
      ":now": T0,
      ":leaseUntil": T0 + 10_000,
      ":refreshBefore": T0 + 300_000,
      ":owner": "me",
    });
    // The TTL attribute is in epoch seconds, as DynamoDB requires.
    expect(input?.ExpressionAttributeValues?.[":ttl"]).toBeLessThan(T0 / 100);
  });

  it("reports a lost race as false, and other errors as errors", async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    const at = { now: T0, leaseUntil: T0 + 10_000, refreshBefore: T0 };
    expect(await store.acquireLease("wx", "me", at)).toBe(false);
    expect(await store.save("wx", "me", "T1", T0)).toBe(false);
    await expect(store.invalidate("wx", "T1")).resolves.toBeUndefined();
    ddb.on(UpdateCommand).rejects(new Error("throttled"));
    await expect(store.acquireLease("wx", "me", at)).rejects.toThrow("throttled");
  });

  it("saves only while holding the lease, and invalidates only the same token", async () => {
    ddb.on(UpdateCommand).resolves({});
    await store.save("wx", "me", "T1", T0 + 7_200_000);
    await store.invalidate("wx", "T1");
    const [save, invalidate] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(save?.ConditionExpression).toBe("leaseOwner = :owner");
    expect(save?.UpdateExpression).toContain("REMOVE leaseUntil, leaseOwner");
    expect(save?.ExpressionAttributeValues?.[":ttl"]).toBe(Math.ceil((T0 + 7_200_000) / 1000) + 86_400);
    expect(invalidate?.ConditionExpression).toBe("#token = :token");
    expect(invalidate?.ExpressionAttributeValues).toEqual({ ":token": "T1" });
  });
});
