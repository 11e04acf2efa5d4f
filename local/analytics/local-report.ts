import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ReportRange } from "../../shared/core/analytics-queries";
import { type AnalyticsReport, reportFromCounters, withQuality } from "../../shared/core/analytics-report";
import { daysBetween } from "../../shared/core/quality";
import { TABLES } from "../../shared/resources";
import { createAnalyticsCounters } from "../../shared/stores/analytics-counters";
import { createInspectionAuditStore } from "../../shared/stores/inspection-audit";
import { localS3 } from "../cli/faq-import";
import { duckdbReportFromBucket } from "./duckdb";

/**
 * The local stack's figures of a period, from either engine: the SQL over its event history (DuckDB on
 * the JSON Lines objects in the S3 emulator) or its real-time counters (DynamoDB Local).
 */
export async function localReport(
  env: Record<string, string>,
  range: ReportRange,
  source: "sql" | "counters",
): Promise<AnalyticsReport> {
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: env.KEFU_DYNAMODB_ENDPOINT,
      region: env.AWS_REGION ?? "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    }),
  );
  const report = await figures(env, doc, range, source);
  // The quality section: the inspections table's audit trail of the same days, against the events.
  const inspections = env[TABLES.inspections.envVar];
  if (!inspections) throw new Error(`the local environment lacks ${TABLES.inspections.envVar}`);
  const audit = createInspectionAuditStore(doc, inspections);
  const days = daysBetween(new Date(`${range.since}T00:00:00Z`), new Date(`${range.until}T00:00:00Z`), 366);
  const records = (await Promise.all(days.map((day) => audit.listDay(day)))).flat();
  return withQuality(report, records);
}

async function figures(
  env: Record<string, string>,
  doc: DynamoDBDocumentClient,
  range: ReportRange,
  source: "sql" | "counters",
): Promise<AnalyticsReport> {
  if (source === "sql") {
    const { s3, bucket } = localS3(env);
    return duckdbReportFromBucket(s3, bucket, range);
  }
  const table = env[TABLES.analyticsCounters.envVar];
  if (!table) throw new Error(`the local environment lacks ${TABLES.analyticsCounters.envVar}`);
  const counters = createAnalyticsCounters(doc, table);
  return reportFromCounters(await counters.read(range.since, range.until), range);
}
