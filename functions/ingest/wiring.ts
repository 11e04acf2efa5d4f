import type { Logger } from "@aws-lambda-powertools/logger";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { createBedrockEmbedder, type TitanDimensions } from "../../shared/ai/bedrock-embedder";
import { createLocalEmbedder } from "../../shared/ai/local-embedder";
import { documentClient } from "../../shared/aws/clients";
import { observability } from "../../shared/aws/powertools";
import { s3BlobStore, s3Client } from "../../shared/aws/s3-blobs";
import type { IngestConfig } from "../../shared/config/load";
import { createFaqRepository } from "../../shared/stores/faq";
import type { IngestDeps } from "./handler";

/**
 * Builds what FAQ imports use, once per cold start: the bucket, the FAQ table and the embedder of the
 * configured engine (Titan on Bedrock, or the local hashing model). No channels, no queue.
 */
export function wireIngest(config: IngestConfig, options: { logger?: Logger } = {}): IngestDeps {
  const { bedrock } = config.engine;
  return {
    logger: observability(config.runtime, options).logger,
    blobs: s3BlobStore(s3Client(config.runtime), config.faqBucket),
    repo: createFaqRepository(documentClient(config.runtime), config.tables.faq),
    embedder:
      config.engine.kind === "bedrock"
        ? createBedrockEmbedder({
            // The SDK's own retries stay on here, as before: an import has minutes, not a message's seconds.
            client: new BedrockRuntimeClient({ region: config.runtime.region }),
            modelId: bedrock.KEFU_EMBEDDING_MODEL_ID,
            dimensions: bedrock.KEFU_EMBEDDING_DIMENSIONS as TitanDimensions,
          })
        : createLocalEmbedder(),
  };
}
