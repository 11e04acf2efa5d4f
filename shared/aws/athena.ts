import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import {
  channelFiguresSql,
  DETAIL_QUERIES,
  type DetailQuery,
  handoffReasonsSql,
  type ReportRange,
} from "../core/analytics/queries";
import { type AnalyticsReport, detailsFromRows, reportFromRows } from "../core/analytics/report";

export class AthenaQueryError extends Error {
  readonly code = "athena_query_failed";
  constructor(state: string, reason: string | undefined) {
    super(`Athena query ${state.toLowerCase()}: ${reason ?? "no reason given"}`);
    this.name = "AthenaQueryError";
  }
}

/** Where the stack's analytics live in Athena (the stack's outputs name them). */
export interface AthenaTarget {
  workgroup: string;
  database: string;
}

/**
 * Runs one query in the stack's workgroup (which holds the results location and the scan limit) and
 * returns its rows as objects keyed by column name, values as Athena gives them (strings).
 */
export async function athenaRows(
  athena: AthenaClient,
  target: AthenaTarget,
  sql: string,
  options: { pollMs?: number } = {},
): Promise<Record<string, string | undefined>[]> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: target.workgroup,
      QueryExecutionContext: { Database: target.database },
    }),
  );
  for (;;) {
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    const state = QueryExecution?.Status?.State ?? "UNKNOWN";
    if (state === "SUCCEEDED") break;
    if (state === "FAILED" || state === "CANCELLED") {
      throw new AthenaQueryError(state, QueryExecution?.Status?.StateChangeReason);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
  const rows: Record<string, string | undefined>[] = [];
  let columns: string[] | undefined;
  let NextToken: string | undefined;
  do {
    const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId, NextToken }));
    columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => c.Name ?? "") ?? [];
    const data = page.ResultSet?.Rows ?? [];
    // The first row of the first page repeats the column names.
    for (const row of NextToken ? data : data.slice(1)) {
      const names = columns;
      rows.push(
        Object.fromEntries((row.Data ?? []).map((cell, i) => [names[i] ?? `_${i}`, cell.VarCharValue])),
      );
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return rows;
}

/** The report of a period from the event history in S3, through Athena. */
export async function athenaReport(
  athena: AthenaClient,
  target: AthenaTarget,
  range: ReportRange,
): Promise<AnalyticsReport> {
  const names = Object.keys(DETAIL_QUERIES) as DetailQuery[];
  const [channels, reasons, ...details] = await Promise.all([
    athenaRows(athena, target, channelFiguresSql(range)),
    athenaRows(athena, target, handoffReasonsSql(range)),
    ...names.map((name) => athenaRows(athena, target, DETAIL_QUERIES[name](range))),
  ]);
  const detailRows = Object.fromEntries(names.map((name, i) => [name, details[i] ?? []]));
  return {
    ...reportFromRows(channels ?? [], reasons ?? [], range),
    details: detailsFromRows(detailRows as Record<DetailQuery, Record<string, unknown>[]>, range.modelPrice),
  };
}
