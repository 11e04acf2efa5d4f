/**
 * `npm run faq:import -- <file> [--kb KB] [--json] [--timeout SECONDS]`
 *
 * Uploads an FAQ file to the local bucket's uploads/ (the running `npm start` imports it exactly as the
 * ingest Lambda does in AWS), waits for reports/<name>.json and prints a summary.
 * Exit codes: 0 something was imported (or nothing needed to change); 1 nothing was imported (the file
 * failed, every row was rejected, or it has no rows) or the local stack cannot be reached; 2 the command
 * was called wrongly (an unknown option, a file that cannot be read or is of an unsupported type).
 */
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { s3BlobStore } from "../../shared/aws/s3-blobs";
import type { ImportReport } from "../../shared/kb/import/import";
import { formatOf } from "../../shared/kb/import/parse";
import { FAQ_BUCKET } from "../../shared/resources";
import { quietLibraries, shellEnv } from "../env";
import { LOCAL_ENV_FILE } from "../stack";

quietLibraries();

/** Where a CLI prints: the console, or a test's buffers. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const consoleIo: CliIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** The command was called wrongly: one line says how, and it exits 2. */
export class UsageError extends Error {
  readonly code = "usage";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const SYNOPSIS = "usage: npm run faq:import -- <file> [--kb KB] [--json] [--timeout SECONDS]";

const USAGE = `${SYNOPSIS}

Uploads an FAQ file to the local stack (\`npm start\` must be running), waits for the import and prints
its report, with every rejected row and why. Exits 1 when nothing was imported, 2 on a usage error.

  <file>             .csv, or .txt/.tsv tab-separated: UTF-8, GBK/GB18030, or UTF-16 with a BOM
                     (Excel: "CSV UTF-8 (Comma delimited)" or "Unicode Text"); .xlsx; .jsonl
  --kb KB            the knowledge base to import into (default: default)
  --json             print the report as JSON
  --timeout SECONDS  how long to wait for the report (default: 600)
  -h, --help         print this help`;

export async function localEnv(): Promise<Record<string, string>> {
  let file: Record<string, string>;
  try {
    file = JSON.parse(await readFile(LOCAL_ENV_FILE, "utf8"));
  } catch {
    throw new Error(`no ${LOCAL_ENV_FILE}: start the local stack first with \`npm start\``);
  }
  return { ...shellEnv(), ...file } as Record<string, string>;
}

export function localS3(env: Record<string, string>): { s3: S3Client; bucket: string } {
  const endpoint = env.KEFU_AWS_ENDPOINT;
  const bucket = env[FAQ_BUCKET.envVar];
  if (!endpoint || !bucket)
    throw new Error(`${LOCAL_ENV_FILE} lacks KEFU_AWS_ENDPOINT or ${FAQ_BUCKET.envVar}`);
  const s3 = new S3Client({
    endpoint,
    region: env.AWS_REGION ?? "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    forcePathStyle: true,
  });
  return { s3, bucket };
}

/** The document client of the running local stack's DynamoDB Local, for the CLIs that read its tables. */
export function localDocumentClient(env: Record<string, string>): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: env.KEFU_DYNAMODB_ENDPOINT,
      region: env.AWS_REGION ?? "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    }),
  );
}

/** Waits for a finished report newer than `since` (an older run's report may sit under the same name). */
export async function waitForReport(
  s3: S3Client,
  bucket: string,
  reportKey: string,
  since: Date,
  timeoutMs: number,
  onProgress?: (report: ImportReport) => void,
): Promise<ImportReport> {
  const blobs = s3BlobStore(s3, bucket);
  const deadline = Date.now() + timeoutMs;
  let lastStatus = "";
  while (Date.now() < deadline) {
    const text = await blobs.getText(reportKey);
    if (text) {
      const report = JSON.parse(text) as ImportReport;
      if (new Date(report.finishedAt).getTime() >= since.getTime() - 1000) {
        if (report.done) return report;
        const status = `${report.status}:${report.remaining ?? ""}`;
        if (status !== lastStatus) onProgress?.(report);
        lastStatus = status;
      }
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`no report at ${reportKey} after ${timeoutMs / 1000} s: is \`npm start\` running?`);
}

export function summarize(report: ImportReport): string {
  const c = report.counts;
  const lines = [
    `${report.upload}: ${report.status}${report.version ? ` (version ${report.version})` : ""}`,
    `  rows ${c.total}: ${c.inserted} inserted, ${c.updated} updated, ${c.unchanged} unchanged, ${c.deleted} deleted, ${c.rejected} rejected`,
  ];
  if (report.error) lines.push(`  ${report.error.code}: ${report.error.message}`);
  if (report.warning) lines.push(`  warning ${report.warning.code}: ${report.warning.message}`);
  const shown = report.rejected.slice(0, 30);
  for (const r of shown) {
    lines.push(`  row ${r.row}${r.id ? ` [${r.id}]` : ""} ${r.field ?? ""} ${r.code}: ${r.message}`);
  }
  if (report.rejected.length > shown.length) {
    lines.push(`  … and ${report.rejected.length - shown.length} more rejected rows in the report`);
  }
  lines.push(`  ${report.durationMs} ms`);
  return lines.join("\n");
}

/** Nothing of the file was imported: it failed as a whole, every row was rejected, or it had no rows. */
export const nothingImported = (report: ImportReport) =>
  report.status === "failed" || report.status === "rejected" || report.status === "empty";

export async function main(argv: string[], io: CliIo = consoleIo): Promise<number> {
  try {
    return await importFile(argv, io);
  } catch (error) {
    io.err(`faq:import: ${(error as Error).message}`);
    if (error instanceof UsageError || isParseArgsError(error)) {
      if (!(error instanceof UsageError)) io.err(`${SYNOPSIS}  (--help for more)`);
      return 2;
    }
    return 1;
  }
}

async function importFile(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      kb: { type: "string" },
      timeout: { type: "string", default: "600" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (!file) throw new UsageError(`which file? ${SYNOPSIS}`);
  if (extra.length > 0) throw new UsageError(`one file at a time (got ${positionals.join(", ")})`);
  const timeoutSeconds = Number(values.timeout);
  if (!(timeoutSeconds > 0))
    throw new UsageError(`--timeout must be a number of seconds, not ${values.timeout}`);
  // The file is checked before the stack is looked for: a typo in the path is the likelier mistake.
  const body = await readUpload(file);
  const env = await localEnv();
  const { s3, bucket } = localS3(env);
  const relative = `${values.kb ? `${values.kb}/` : ""}${basename(file)}`;
  const key = `${FAQ_BUCKET.uploadsPrefix}${relative}`;
  const since = new Date();
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  if (!values.json) io.out(`uploaded ${file} to s3://${bucket}/${key}; waiting for the report…`);
  const report = await waitForReport(
    s3,
    bucket,
    `${FAQ_BUCKET.reportsPrefix}${relative}.json`,
    since,
    timeoutSeconds * 1000,
    (r) => {
      if (!values.json) io.out(`  ${r.status}${r.remaining ? `, ${r.remaining} entries to go` : ""}…`);
    },
  );
  io.out(values.json ? JSON.stringify(report) : summarize(report));
  return nothingImported(report) ? 1 : 0;
}

async function readUpload(file: string): Promise<Buffer> {
  if (!formatOf(file)) {
    throw new UsageError(
      `unsupported file type: ${file} (use .csv, .txt/.tsv, .xlsx or .jsonl; save .xls as .xlsx)`,
    );
  }
  try {
    if ((await stat(file)).isDirectory()) throw new UsageError(`cannot read ${file}: it is a folder`);
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UsageError(`cannot read ${file}: there is no such file`);
    if (code === "EACCES" || code === "EPERM") throw new UsageError(`cannot read ${file}: permission denied`);
    throw error;
  }
}

const isParseArgsError = (error: unknown) =>
  typeof (error as { code?: unknown }).code === "string" &&
  (error as { code: string }).code.startsWith("ERR_PARSE_ARGS_");

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
