import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { CLAIM_LEASE_MS, createDedupStore } from "../../../shared/stores/dedup";

const ddb = mockClient(DynamoDBDocumentClient);
const store = createDedupStore(ddb as unknown as DynamoDBDocumentClient, "dedup");
const now = new Date("2026-11-21T10:00:00Z");

const conditionFailed = (state?: string) =>
  new ConditionalCheckFailedException({
    message: "The conditional request failed",
    $metadata: {},
    ...(state ? { Item: { state: { S: state } } } : {}),
  });

beforeEach(() => ddb.reset());

describe("claim", () => {
  it("writes a received claim with a TTL, conditional on no fresh claim existing", async () => {
    ddb.on(PutCommand).resolves({});
    expect(await store.claim("wechat#1", now)).toBe("claimed");
    const input = ddb.commandCalls(PutCommand)[0]?.args[0].input;
    expect(input?.Item).toMatchObject({
      messageKey: "wechat#1",
      state: "received",
      claimedAt: now.getTime(),
    });
    expect(input?.Item?.expiresAt).toBe(Math.floor(now.getTime() / 1000) + 7 * 86_400);
    expect(input?.ExpressionAttributeValues?.[":stale"]).toBe(now.getTime() - CLAIM_LEASE_MS);
    expect(input?.ReturnValuesOnConditionCheckFailure).toBe("ALL_OLD");
  });

  it("reports an enqueued message as a duplicate and a fresh received claim as in flight", async () => {
    ddb.on(PutCommand).rejectsOnce(conditionFailed("enqueued")).rejectsOnce(conditionFailed("received"));
    expect(await store.claim("wechat#1", now)).toBe("duplicate");
    expect(await store.claim("wechat#1", now)).toBe("in_flight");
  });

  it("lets other DynamoDB errors through (the webhook answers 5xx and the platform retries)", async () => {
    ddb.on(PutCommand).rejects(new Error("ProvisionedThroughputExceeded"));
    await expect(store.claim("wechat#1", now)).rejects.toThrow("ProvisionedThroughputExceeded");
  });
});

describe("release", () => {
  it("makes a received claim immediately stale and never touches an enqueued one", async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    await expect(store.release("wechat#1")).resolves.toBeUndefined();
    const input = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe("#state = :received");
    expect(input?.ExpressionAttributeValues?.[":zero"]).toBe(0);
  });
});
