/**
 * `npm run faq:import -- <file> [--kb KB] [--json] [--timeout SECONDS]`
 *
 * Uploads an FAQ file to the local bucket's uploads/ (the running `npm start` imports it exactly as the
 * ingest Lambda does in AWS), waits for reports/<name>.json and prints a summary. Exits non-zero only
 * when nothing of the file could be imported (status failed or rejected).
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { ImportReport } from "../../shared/kb/import/import";
import { s3BlobStore } from "../../shared/kb/import/s3-blobs";
import { FAQ_BUCKET } from "../../shared/resources";
import { LOCAL_ENV_FILE } from "../stack";

// The SDK warns on every client under Node 20 (supported until 2027); it is noise in a CLI.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

export async function localEnv(): Promise<Record<string, string>> {
  let file: Record<string, string>;
  try {
    file = JSON.parse(await readFile(LOCAL_ENV_FILE, "utf8"));
  } catch {
    throw new Error(`no ${LOCAL_ENV_FILE}: start the local stack first with \`npm start\``);
  }
  return { ...process.env, ...file } as Record<string, string>;
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

export const importFailed = (report: ImportReport) =>
  report.status === "failed" || report.status === "rejected";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      kb: { type: "string" },
      timeout: { type: "string", default: "600" },
    },
  });
  const file = positionals[0];
  if (!file) {
    console.error("usage: npm run faq:import -- <file.csv|file.xlsx|file.jsonl> [--kb KB] [--json]");
    return 2;
  }
  const env = await localEnv();
  const { s3, bucket } = localS3(env);
  const relative = `${values.kb ? `${values.kb}/` : ""}${basename(file)}`;
  const key = `${FAQ_BUCKET.uploadsPrefix}${relative}`;
  const since = new Date();
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(file) }));
  if (!values.json) console.log(`uploaded ${file} to s3://${bucket}/${key}; waiting for the report…`);
  const report = await waitForReport(
    s3,
    bucket,
    `${FAQ_BUCKET.reportsPrefix}${relative}.json`,
    since,
    Number(values.timeout) * 1000,
    (r) => {
      if (!values.json) console.log(`  ${r.status}${r.remaining ? `, ${r.remaining} entries to go` : ""}…`);
    },
  );
  console.log(values.json ? JSON.stringify(report) : summarize(report));
  return importFailed(report) ? 1 : 0;
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error((error as Error).message);
      process.exit(1);
    },
  );
}
