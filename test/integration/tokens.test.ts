import { randomUUID } from "node:crypto";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { dynamoClient } from "../../local/emulators";
import type { FetchedToken } from "../../shared/channels/ports";
import { createSharedTokenProvider } from "../../shared/channels/tokens";
import { TABLES } from "../../shared/resources";
import { sdkDocumentTable } from "../../shared/stores/sdk-table";
import { createTokenStore } from "../../shared/stores/tokens";
import { testEnv } from "../support/local-env";

describe("access tokens shared through DynamoDB Local", () => {
  const env = testEnv();
  const doc = DynamoDBDocumentClient.from(dynamoClient(env.KEFU_DYNAMODB_ENDPOINT ?? ""));
  const table = env[TABLES.tokens.envVar] ?? "";
  const store = createTokenStore(sdkDocumentTable(doc), table);

  /** A token endpoint that is slow enough for the instances to overlap, and counts its calls. */
  function slowEndpoint() {
    let calls = 0;
    const fetchToken = async (): Promise<FetchedToken> => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { token: `token-${calls}`, expiresInSeconds: 7200 };
    };
    return { fetchToken, calls: () => calls };
  }

  it("lets only one of several concurrent instances fetch; the others read its token", async () => {
    const name = `wechat:test-${randomUUID()}`;
    const endpoint = slowEndpoint();
    const instances = Array.from({ length: 4 }, () =>
      createSharedTokenProvider({ name, fetchToken: endpoint.fetchToken, store, pollMs: 50 }),
    );
    const tokens = await Promise.all(instances.map((p) => p.get()));
    expect(endpoint.calls()).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(["token-1"]));

    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { name }, ConsistentRead: true }),
    );
    expect(Item?.token).toBe("token-1");
    expect(Item?.leaseUntil).toBeUndefined();
    // TTL in epoch seconds, after the token's own expiry.
    expect(Item?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 7000);
    expect(Item?.expiresAt).toBeLessThan(Date.now() / 1000 + 7200 + 86_400 + 60);
  });

  it("after one instance invalidates the token, exactly one new fetch serves everyone", async () => {
    const name = `wechat:test-${randomUUID()}`;
    const endpoint = slowEndpoint();
    const [a, b, c] = Array.from({ length: 3 }, () =>
      createSharedTokenProvider({ name, fetchToken: endpoint.fetchToken, store, pollMs: 50 }),
    );
    if (!a || !b || !c) throw new Error("three providers expected");
    expect(await a.get()).toBe("token-1");
    await a.invalidate("token-1");
    const tokens = await Promise.all([a.get(), b.get(), c.get()]);
    expect(tokens).toEqual(["token-2", "token-2", "token-2"]);
    expect(endpoint.calls()).toBe(2);
  });

  it("does not refresh a stored token that is still valid", async () => {
    const name = `wechat:test-${randomUUID()}`;
    const first = slowEndpoint();
    await createSharedTokenProvider({ name, fetchToken: first.fetchToken, store }).get();
    const second = slowEndpoint();
    const token = await createSharedTokenProvider({ name, fetchToken: second.fetchToken, store }).get();
    expect(token).toBe("token-1");
    expect(second.calls()).toBe(0);
  });
});
