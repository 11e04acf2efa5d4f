import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import middy from "@middy/core";
import type { Context, S3Event } from "aws-lambda";
import { createBedrockEmbedder } from "../shared/ai/bedrock-embedder";
import { loadBedrockConfig } from "../shared/ai/config";
import { createLocalEmbedder } from "../shared/ai/local-embedder";
import { s3Client } from "../shared/aws/clients";
import { s3BlobStore } from "../shared/aws/s3-blobs";
import { type ImportDeps, importUpload, requestRestore } from "../shared/kb/import/import";
import type { Embedder } from "../shared/kb/retrieval";
import { FAQ_BUCKET } from "../shared/resources";
import { createRuntime } from "../shared/runtime";
import { createFaqRepository } from "../shared/stores/faq";

// Cold start: validate configuration and make clients once.
const { config, logger, doc } = createRuntime();
const bedrockConfig = loadBedrockConfig();
const blobs = s3BlobStore(s3Client(config), config.KEFU_FAQ_BUCKET);
const repo = createFaqRepository(doc, config.KEFU_FAQ_TABLE);
const embedder: Embedder =
  bedrockConfig.KEFU_ENGINE === "bedrock"
    ? createBedrockEmbedder({
        client: new BedrockRuntimeClient({ region: config.AWS_REGION }),
        modelId: bedrockConfig.KEFU_EMBEDDING_MODEL_ID,
        dimensions: bedrockConfig.KEFU_EMBEDDING_DIMENSIONS,
      })
    : createLocalEmbedder();

/** `aws lambda invoke --payload '{"restore":{"kb":"default","version":"…"}}'` restores a version. */
export interface RestoreEvent {
  restore: { kb?: string; version?: string };
}

/** S3 keys arrive URL-encoded, with `+` for spaces. */
export const decodeS3Key = (key: string) => decodeURIComponent(key.replace(/\+/g, " "));

async function ingest(event: S3Event | RestoreEvent, context: Context) {
  if ("restore" in event) {
    const restore = await requestRestore(event.restore, { blobs, repo });
    logger.info("faq restore requested", { ...restore });
    return restore;
  }
  const deps: ImportDeps = {
    blobs,
    repo,
    embedder,
    remainingMs: () => context.getRemainingTimeInMillis(),
    log: (message, data) => logger.info(message, data ?? {}),
  };
  const results = [];
  for (const record of event.Records ?? []) {
    const key = decodeS3Key(record.s3.object.key);
    if (!key.startsWith(FAQ_BUCKET.uploadsPrefix) || key.endsWith("/")) continue;
    const { report, continueKeys } = await importUpload({ key }, deps);
    // Re-announcing an upload (a copy onto itself) sends a new S3 event: that is the follow-up
    // invocation for an unfinished import, and the start signal for uploads queued behind this one.
    for (const next of continueKeys) await blobs.copy(next, next);
    results.push({ key, status: report.status, counts: report.counts, continued: continueKeys });
  }
  return { results };
}

export const handler = middy(ingest).use(injectLambdaContext(logger));
