/**
 * `npm run faq:restore -- [--version V] [--kb KB] [--json] [--list]`
 *
 * Restores a knowledge base to an earlier version (default: the one before the current). The version's
 * snapshot is copied into uploads/ as a `.replace.` file and imported like any upload, so the restore
 * becomes a new version with its own report. `--list` prints the version history instead.
 */
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { requestRestore } from "../../shared/kb/import/import";
import { s3BlobStore } from "../../shared/kb/import/s3-blobs";
import { TABLES } from "../../shared/resources";
import { createFaqRepository } from "../../shared/stores/faq";
import { importFailed, localEnv, localS3, summarize, waitForReport } from "./faq-import";

// The SDK warns on every client under Node 20 (supported until 2027); it is noise in a CLI.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      version: { type: "string" },
      kb: { type: "string", default: "default" },
      json: { type: "boolean", default: false },
      list: { type: "boolean", default: false },
    },
  });
  const env = await localEnv();
  const { s3, bucket } = localS3(env);
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: env.KEFU_DYNAMODB_ENDPOINT,
      region: env.AWS_REGION ?? "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    }),
  );
  const repo = createFaqRepository(doc, env[TABLES.faq.envVar] ?? "");
  const kb = values.kb ?? "default";

  if (values.list) {
    const meta = await repo.getMeta(kb);
    if (values.json) console.log(JSON.stringify(meta.history));
    for (const h of values.json ? [] : meta.history) {
      const mark = h.version === meta.version ? "*" : " ";
      console.log(`${mark} ${h.version}  ${h.at}  ${h.entryCount} entries  from ${h.upload}`);
    }
    return 0;
  }

  const since = new Date();
  const restore = await requestRestore(
    { kb, ...(values.version ? { version: values.version } : {}) },
    {
      blobs: s3BlobStore(s3, bucket),
      repo,
    },
  );
  if (!values.json) console.log(`restoring ${kb} to version ${restore.version} via ${restore.uploadKey}…`);
  const report = await waitForReport(s3, bucket, restore.reportKey, since, 600_000);
  console.log(values.json ? JSON.stringify({ restoredFrom: restore.version, ...report }) : summarize(report));
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
