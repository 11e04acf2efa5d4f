import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createAnalyticsCounters } from "../../../shared/stores/analytics-counters";
import { createInspectionAuditStore } from "../../../shared/stores/inspection-audit";

/** The stores that read a whole day follow DynamoDB's pages to the end (a day can pass 1 MB). */
const ddb = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));
beforeEach(() => ddb.reset());

describe("reading a day page by page", () => {
  it("the analytics counters: every page of every day", async () => {
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ":day": "2026-12-01" } })
      .resolves({
        Items: [{ day: "2026-12-01", channel: "sms" }],
        LastEvaluatedKey: { day: "2026-12-01", channel: "sms" },
      })
      .on(QueryCommand, {
        ExpressionAttributeValues: { ":day": "2026-12-01" },
        ExclusiveStartKey: { day: "2026-12-01", channel: "sms" },
      })
      .resolves({ Items: [{ day: "2026-12-01", channel: "wechat" }] })
      .on(QueryCommand, { ExpressionAttributeValues: { ":day": "2026-12-02" } })
      .resolves({ Items: [{ day: "2026-12-02", channel: "email" }] });
    const items = await createAnalyticsCounters(doc, "counters").read("2026-12-01", "2026-12-02");
    expect(items.map((i) => `${i.day} ${i.channel}`)).toEqual([
      "2026-12-01 sms",
      "2026-12-01 wechat",
      "2026-12-02 email",
    ]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(3);
  });

  it("the inspection audit: every page, without the table's own fields", async () => {
    const record = (id: string, at: string) => ({ day: "2026-12-01", expiresAt: 1, inspectionId: id, at });
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [record("b", "2026-12-01T10:00:00Z")],
        LastEvaluatedKey: { day: "2026-12-01", k: "b" },
      })
      .resolvesOnce({ Items: [record("a", "2026-12-01T09:00:00Z")] });
    const records = await createInspectionAuditStore(doc, "inspections").listDay("2026-12-01");
    expect(records).toEqual([
      { inspectionId: "a", at: "2026-12-01T09:00:00Z" },
      { inspectionId: "b", at: "2026-12-01T10:00:00Z" },
    ]);
    expect(ddb.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
      day: "2026-12-01",
      k: "b",
    });
  });
});
