import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createAnalyticsCounters } from "../../../shared/stores/analytics-counters";
import { createInspectionAuditStore } from "../../../shared/stores/inspection-audit";
import { createReviewStore } from "../../../shared/stores/reviews";

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

  it("the QA reviews: every page of every day, an unreadable item left out", async () => {
    const review = (ticketId: string, resolvedAt: string) => ({
      day: resolvedAt.slice(0, 10),
      expiresAt: 1,
      ticketId,
      channel: "wechat",
      agent: "zhang",
      resolvedAt,
      reviewedAt: resolvedAt,
      grader: { kind: "heuristic", name: "heuristic-v1" },
      faqIds: [],
      status: "failed",
      failure: { code: "malformed_output", reason: "no record_review call" },
    });
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ":day": "2026-11-30" } })
      .resolves({
        Items: [review("KF-1", "2026-11-30T08:00:00Z"), { day: "2026-11-30", ticketId: "KF-NEWER-SHAPE" }],
        LastEvaluatedKey: { day: "2026-11-30", ticketId: "KF-1" },
      })
      .on(QueryCommand, {
        ExpressionAttributeValues: { ":day": "2026-11-30" },
        ExclusiveStartKey: { day: "2026-11-30", ticketId: "KF-1" },
      })
      .resolves({ Items: [review("KF-2", "2026-11-30T09:00:00Z")] })
      .on(QueryCommand, { ExpressionAttributeValues: { ":day": "2026-12-01" } })
      .resolves({ Items: [review("KF-3", "2026-12-01T09:00:00Z")] });
    const reviews = await createReviewStore(doc, "reviews").listDays(["2026-11-30", "2026-12-01"]);
    expect(reviews.map((r) => r.ticketId)).toEqual(["KF-1", "KF-2", "KF-3"]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(3);
  });
});
