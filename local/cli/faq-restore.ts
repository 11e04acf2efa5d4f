/**
 * `npm run faq:restore -- [--version V] [--kb KB] [--json] [--list]`
 *
 * Restores a knowledge base to an earlier version (default: the one before the current). The version's
 * snapshot is copied into uploads/ as a `.replace.` file and imported like any upload, so the restore
 * becomes a new version with its own report. `--list` prints the version history instead.
 * Exit codes as `faq:import`: 1 when nothing was restored, 2 on a usage error.
 */
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { s3BlobStore } from "../../shared/aws/s3-blobs";
import { requestRestore } from "../../shared/kb/import/import";
import { TABLES } from "../../shared/resources";
import { createFaqRepository } from "../../shared/stores/faq";
import { quietLibraries } from "../env";
import {
  type CliIo,
  consoleIo,
  localDocumentClient,
  localEnv,
  localS3,
  nothingImported,
  summarize,
  waitForReport,
} from "./faq-import";

quietLibraries();

const SYNOPSIS = "usage: npm run faq:restore -- [--list] [--version V] [--kb KB] [--json]";

const USAGE = `${SYNOPSIS}

Restores a knowledge base of the local stack (\`npm start\` must be running) to an earlier version. The
version's snapshot is imported as a \`.replace.\` file, so the restore is a new version with its own report.

  --list        print the version history (* marks the current version) instead of restoring
  --version V   the version to restore (default: the one before the current; see --list)
  --kb KB       the knowledge base (default: default)
  --json        print JSON
  -h, --help    print this help`;

interface RestoreOptions {
  version?: string;
  kb?: string;
  json?: boolean;
  list?: boolean;
}

export async function main(argv: string[], io: CliIo = consoleIo): Promise<number> {
  let values: RestoreOptions & { help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        version: { type: "string" },
        kb: { type: "string", default: "default" },
        json: { type: "boolean", default: false },
        list: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    io.err(`faq:restore: ${(error as Error).message}`);
    io.err(`${SYNOPSIS}  (--help for more)`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    return await restore(values, io);
  } catch (error) {
    // A RestoreError says what is wrong with the request; anything else is one line too, never a stack.
    io.err(`faq:restore: ${(error as Error).message}`);
    return 1;
  }
}

async function restore(values: RestoreOptions, io: CliIo): Promise<number> {
  const env = await localEnv();
  const { s3, bucket } = localS3(env);
  const doc = localDocumentClient(env);
  const repo = createFaqRepository(doc, env[TABLES.faq.envVar] ?? "");
  const kb = values.kb ?? "default";

  if (values.list) {
    const meta = await repo.getMeta(kb);
    if (values.json) io.out(JSON.stringify(meta.history));
    else if (meta.history.length === 0) io.out(`knowledge base ${kb} has no versions yet`);
    for (const h of values.json ? [] : meta.history) {
      const mark = h.version === meta.version ? "*" : " ";
      io.out(`${mark} ${h.version}  ${h.at}  ${h.entryCount} entries  from ${h.upload}`);
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
  if (!values.json) io.out(`restoring ${kb} to version ${restore.version} via ${restore.uploadKey}…`);
  const report = await waitForReport(s3, bucket, restore.reportKey, since, 600_000);
  io.out(values.json ? JSON.stringify({ restoredFrom: restore.version, ...report }) : summarize(report));
  return nothingImported(report) ? 1 : 0;
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
