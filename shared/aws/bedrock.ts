import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { createBedrockEmbedder, type TitanDimensions } from "../ai/bedrock-embedder";
import { createBedrockGenerator, type Generator } from "../ai/bedrock-generator";
import { buildHybridEngine, type EntryWithVectors } from "../ai/hybrid-build";
import type { EngineStage } from "../ai/hybrid-engine";
import { createLocalEngine } from "../ai/local-engine";
import { createBedrockRewriter, type QueryRewriter } from "../ai/rewrite";
import { type BedrockConfig, type EngineConfig, guardrailFromConfig } from "../config/engine";
import type { RuntimeSettings } from "../config/fragments";
import type { AnswerEngine } from "../core/engine";
import type { PolicyThresholds } from "../core/thresholds";
import type { Embedder } from "../kb/retrieval";

export interface EngineSelection {
  kind: "local" | "bedrock";
  thresholds: PolicyThresholds;
  /** Whether the engine cache must load stored vectors with the entries. */
  vectors: boolean;
  build(entries: EntryWithVectors[]): AnswerEngine;
}

export interface SelectEngineOptions {
  engine: EngineConfig;
  thresholds: PolicyThresholds;
  region?: string;
  /** For tests; by default one BedrockRuntimeClient is made per selection (i.e. per cold start). */
  client?: BedrockRuntimeClient;
  onError?: (error: unknown, stage: EngineStage) => void;
}

/** The adapters retry with their own budgets; SDK retries on top would multiply the wait. */
export function bedrockClient(runtime: Pick<RuntimeSettings, "region">): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ region: runtime.region, maxAttempts: 1 });
}

/**
 * Picks the answer engine once per cold start, as configured (shared/config/engine.ts): the embedded
 * lexical one, or the hybrid Bedrock one with the Bedrock adapters its settings ask for.
 */
export function selectEngine(options: SelectEngineOptions): EngineSelection {
  const { thresholds } = options;
  const kind = options.engine.kind;
  if (kind === "local") {
    return {
      kind,
      thresholds,
      vectors: false,
      build: (entries) => createLocalEngine(entries, { thresholds }),
    };
  }
  const client = options.client ?? bedrockClient({ region: options.region ?? "us-east-1" });
  const { embedder, generator, rewrite } = bedrockParts(options.engine.bedrock, client);
  return {
    kind,
    thresholds,
    vectors: true,
    build: (stored) =>
      buildHybridEngine(stored, {
        embedder,
        ...(generator ? { generator } : {}),
        ...(rewrite ? { rewrite } : {}),
        thresholds,
        ...(options.onError ? { onError: options.onError } : {}),
      }),
  };
}

/**
 * The Bedrock adapters a configuration asks for. Without an answer model (possible only outside the
 * worker, e.g. the eval tool's `--retrieval-only`) there is no generator and no model rewriter.
 */
export function bedrockParts(
  config: BedrockConfig,
  client: BedrockRuntimeClient,
): { embedder: Embedder; generator?: Generator; rewrite?: QueryRewriter } {
  const embedder = createBedrockEmbedder({
    client,
    modelId: config.KEFU_EMBEDDING_MODEL_ID,
    dimensions: config.KEFU_EMBEDDING_DIMENSIONS as TitanDimensions,
  });
  const answerModel = config.KEFU_ANSWER_MODEL_ID;
  if (answerModel === undefined) return { embedder };
  const guardrail = guardrailFromConfig(config);
  const generator = createBedrockGenerator({
    client,
    modelId: answerModel,
    timeoutMs: config.KEFU_ANSWER_TIMEOUT_MS,
    ...(guardrail ? { guardrail } : {}),
  });
  const rewrite = createBedrockRewriter({ client, modelId: config.KEFU_REWRITE_MODEL_ID ?? answerModel });
  return { embedder, generator, rewrite };
}
