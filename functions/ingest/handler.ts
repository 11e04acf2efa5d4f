import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context, S3Event, S3EventRecord } from "aws-lambda";
import { importUpload, requestRestore } from "../../shared/kb/import/import";
import type { BlobStore, FaqRepository } from "../../shared/kb/import/ports";
import { importRules, isRulesUpload } from "../../shared/kb/inspection-rules";
import type { Embedder } from "../../shared/kb/retrieval";
import { FAQ_BUCKET } from "../../shared/resources";

/** What FAQ imports are made of: the bucket, the FAQ table, the embedder (none: lexical only), logs. */
export interface IngestDeps {
  blobs: BlobStore;
  repo: FaqRepository;
  embedder?: Embedder;
  logger: Logger;
}

/** `aws lambda invoke --payload '{"restore":{"kb":"default","version":"…"}}'` restores a version. */
export interface RestoreEvent {
  restore: { kb?: string; version?: string };
}

/** S3 keys arrive URL-encoded, with `+` for spaces. */
export const decodeS3Key = (key: string) => decodeURIComponent(key.replace(/\+/g, " "));

/**
 * The invocation is neither an S3 event nor a restore request (a hand-made `aws lambda invoke`, a
 * misconfigured trigger): refused with what was expected, before anything is imported.
 */
export class IngestEventError extends Error {
  readonly code = "ingest_event_invalid";
  constructor(detail: string) {
    super(`ingest expects an S3 event (Records[].s3.object.key) or {"restore":{…}}: ${detail}`);
    this.name = "IngestEventError";
  }
}

/** The object keys an S3 event names, decoded; IngestEventError for anything else. */
function s3KeysOf(event: unknown): string[] {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) throw new IngestEventError("no Records list");
  return records.map((record, i) => {
    const key = (record as S3EventRecord | null)?.s3?.object?.key;
    if (typeof key !== "string" || key === "") throw new IngestEventError(`record ${i} names no object key`);
    return decodeS3Key(key);
  });
}

/**
 * FAQ imports: each upload under uploads/ (an S3 event) is imported and reported under reports/; an
 * import that runs out of time re-announces its upload to continue in a new invocation. A rule file under
 * rules/uploads/ is a quality-inspection rule set (shared/kb/inspection-rules.ts).
 */
export function makeHandler(deps: IngestDeps) {
  const { blobs, repo, embedder, logger } = deps;

  async function ingest(event: S3Event | RestoreEvent, context: Context) {
    if (event !== null && typeof event === "object" && "restore" in event) {
      if (typeof event.restore !== "object" || event.restore === null) {
        throw new IngestEventError("restore must be an object");
      }
      const restore = await requestRestore(event.restore, { blobs, repo });
      logger.info("faq restore requested", { ...restore });
      return restore;
    }
    const importDeps = {
      blobs,
      repo,
      ...(embedder ? { embedder } : {}),
      remainingMs: () => context.getRemainingTimeInMillis(),
      log: (message: string, data?: Record<string, unknown>) => logger.info(message, data ?? {}),
    };
    const keys = s3KeysOf(event);
    const results = [];
    for (const key of keys) {
      if (isRulesUpload(key)) {
        const report = await importRules(key, { blobs, now: () => new Date() });
        logger.info("inspection rules import", { key, status: report.status, counts: report.counts });
        results.push({ key, status: report.status, counts: report.counts, continued: [] });
        continue;
      }
      if (!key.startsWith(FAQ_BUCKET.uploadsPrefix) || key.endsWith("/")) continue;
      const { report, continueKeys } = await importUpload({ key }, importDeps);
      // Re-announcing an upload (a copy onto itself) sends a new S3 event: that is the follow-up
      // invocation for an unfinished import, and the start signal for uploads queued behind this one.
      for (const next of continueKeys) await blobs.copy(next, next);
      results.push({ key, status: report.status, counts: report.counts, continued: continueKeys });
    }
    return { results };
  }

  return middy(ingest).use(injectLambdaContext(logger));
}
