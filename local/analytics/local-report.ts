import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { readConfig } from "../../shared/config/errors";
import { knowledgeBase } from "../../shared/config/fragments";
import type { ReportRange } from "../../shared/core/analytics/queries";
import { type AnalyticsReport, reportFromCounters, withQuality } from "../../shared/core/analytics/report";
import { answerable } from "../../shared/core/faq";
import { daysBetween } from "../../shared/core/quality/audit";
import type { Ticket } from "../../shared/core/ticket";
import { createLexicalRetriever } from "../../shared/kb/lexical";
import { topUnanswered } from "../../shared/kb/suggestions";
import { TABLES } from "../../shared/resources";
import { createAnalyticsCounters } from "../../shared/stores/analytics-counters";
import { createFaqRepository } from "../../shared/stores/faq";
import { createInspectionAuditStore } from "../../shared/stores/inspection-audit";
import { createTicketStore } from "../../shared/stores/tickets";
import { localDocumentClient, localS3 } from "../cli/faq-import";
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
  const doc = localDocumentClient(env);
  const report = await figures(env, doc, range, source);
  // The quality section: the inspections table's audit trail of the same days, against the events.
  const inspections = env[TABLES.inspections.envVar];
  if (!inspections) throw new Error(`the local environment lacks ${TABLES.inspections.envVar}`);
  const audit = createInspectionAuditStore(doc, inspections);
  const days = daysBetween(new Date(`${range.since}T00:00:00Z`), new Date(`${range.until}T00:00:00Z`), 366);
  const records = (await Promise.all(days.map((day) => audit.listDay(day)))).flat();
  return { ...withQuality(report, records), topUnanswered: await localTopUnanswered(env, doc, range) };
}

/** Tickets read per status, as the desk's report reads them. */
const TICKETS_PER_STATUS = 500;

/** The period's top unanswered topics from the local stack's tickets, against its current knowledge base. */
async function localTopUnanswered(
  env: Record<string, string>,
  doc: DynamoDBDocumentClient,
  range: ReportRange,
) {
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`the local environment lacks ${name}`);
    return value;
  };
  const tickets = createTicketStore(doc, need(TABLES.tickets.envVar), need(TABLES.ticketTurns.envVar));
  const statuses: Ticket["status"][] = ["open", "assigned", "resolved"];
  const lists = await Promise.all(statuses.map((s) => tickets.listByStatus(s, TICKETS_PER_STATUS)));
  const kb = readConfig({ kb: knowledgeBase }, env).kb.name;
  const { entries } = await createFaqRepository(doc, need(TABLES.faq.envVar)).loadEntries(kb, {
    vectors: false,
  });
  return topUnanswered(lists.flat(), range, { retriever: createLexicalRetriever(answerable(entries)) });
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
