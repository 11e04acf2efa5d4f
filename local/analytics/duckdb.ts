import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import {
  channelFiguresSql,
  DETAIL_QUERIES,
  type DetailQuery,
  EVENT_COLUMNS,
  handoffReasonsSql,
  type ReportRange,
} from "../../shared/core/analytics/queries";
import { type AnalyticsReport, detailsFromRows, reportFromRows } from "../../shared/core/analytics/report";
import { FAQ_BUCKET } from "../../shared/resources";
import { daysBetween } from "../../shared/stores/analytics-counters";

/**
 * The report's SQL (shared/core/analytics/queries.ts) on DuckDB, embedded, over JSON Lines files laid out
 * as in S3 (`<dir>/events/dt=YYYY-MM-DD/*.jsonl`): the local stand-in for Athena, reading the same
 * columns the Glue table declares, with `dt` from the folder name as Athena's partition.
 */
export async function duckdbReport(dir: string, range: ReportRange): Promise<AnalyticsReport> {
  if (!(await hasEvents(dir))) {
    const none = Object.fromEntries(Object.keys(DETAIL_QUERIES).map((name) => [name, []]));
    return {
      ...reportFromRows([], [], range),
      details: detailsFromRows(none as Record<DetailQuery, []>, range.modelPrice),
    };
  }
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const columns = EVENT_COLUMNS.map(([name, type]) => `'${name}': '${duckdbType(type)}'`).join(", ");
    const files = join(dir, FAQ_BUCKET.eventsPrefix, "dt=*", "*.jsonl").replaceAll("'", "''");
    await connection.run(
      `CREATE VIEW events AS SELECT * FROM read_json('${files}', format = 'newline_delimited', ` +
        `columns = {${columns}}, hive_partitioning = true, hive_types = {'dt': 'VARCHAR'})`,
    );
    const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJS();
    const report = reportFromRows(
      await rows(channelFiguresSql(range)),
      await rows(handoffReasonsSql(range)),
      range,
    );
    const details: Partial<Record<DetailQuery, Record<string, unknown>[]>> = {};
    for (const [name, sql] of Object.entries(DETAIL_QUERIES))
      details[name as DetailQuery] = await rows(sql(range));
    return {
      ...report,
      details: detailsFromRows(details as Record<DetailQuery, Record<string, unknown>[]>, range.modelPrice),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The Glue (Hive) type's DuckDB name. */
function duckdbType(type: (typeof EVENT_COLUMNS)[number][1]): string {
  return { int: "INTEGER", bigint: "BIGINT", double: "DOUBLE", boolean: "BOOLEAN", string: "VARCHAR" }[type];
}

/** DuckDB refuses a glob that matches no file; an empty period is a report of zeros. */
async function hasEvents(dir: string): Promise<boolean> {
  const files = await readdir(join(dir, FAQ_BUCKET.eventsPrefix), { recursive: true }).catch(() => []);
  return files.some((file) => file.endsWith(".jsonl"));
}

/**
 * Copies the period's event objects of a bucket (the local stack's, in the S3 emulator) into a temporary
 * folder with the same layout, runs the report on them and removes the copy.
 */
export async function duckdbReportFromBucket(
  s3: S3Client,
  bucket: string,
  range: ReportRange,
): Promise<AnalyticsReport> {
  const dir = await mkdtemp(join(tmpdir(), "kefu-events-"));
  try {
    for (const day of daysBetween(range.since, range.until)) {
      const prefix = `${FAQ_BUCKET.eventsPrefix}dt=${day}/`;
      let ContinuationToken: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }),
        );
        for (const { Key } of page.Contents ?? []) {
          if (!Key?.endsWith(".jsonl")) continue;
          const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
          const path = join(dir, Key);
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, (await object.Body?.transformToByteArray()) ?? new Uint8Array());
        }
        ContinuationToken = page.NextContinuationToken;
      } while (ContinuationToken);
    }
    return await duckdbReport(dir, range);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
