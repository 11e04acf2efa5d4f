import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { buildHybridEngine, type EntryWithVectors } from "../../shared/ai/hybrid-build";
import type { EngineStage } from "../../shared/ai/hybrid-engine";
import { bedrockParts } from "../../shared/aws/bedrock";
import { loadBedrockConfig } from "../../shared/config/engine";
import type { AnswerEngine } from "../../shared/core/engine";
import { type FaqEntry, phrasings } from "../../shared/core/faq";
import type { PolicyThresholds } from "../../shared/core/thresholds";

export interface BedrockEvalOptions {
  /** KEFU_EMBEDDING_MODEL_ID, KEFU_EMBEDDING_DIMENSIONS, KEFU_ANSWER_MODEL_ID… as the worker reads them. */
  env: Record<string, string | undefined>;
  thresholds: PolicyThresholds;
  /** false: decisions from retrieval and the policy alone, no answer model called (or needed). */
  generate: boolean;
  client?: BedrockRuntimeClient;
  region?: string;
}

export interface BedrockEval {
  engine: AnswerEngine;
  embeddingModel: string;
  answerModel?: string;
  /** Model failures during the run, by stage: the engine's fallbacks would otherwise hide them. */
  errors: Record<EngineStage, number>;
  /** Phrasings embedded to build the index (one Titan call each). */
  embedded: number;
}

/**
 * The worker's Bedrock engine (`KEFU_ENGINE=bedrock`) over an eval file's entries: every phrasing is
 * embedded with the configured model, as `faq-import` stores it, then `buildHybridEngine` builds exactly
 * what the worker builds from the stored vectors. Costs one embedding call per phrasing, and with
 * generation one Converse call per confident answer.
 */
export async function createBedrockEvalEngine(
  entries: FaqEntry[],
  options: BedrockEvalOptions,
): Promise<BedrockEval> {
  // Only generation needs an answer model; the schema requires one only for KEFU_ENGINE=bedrock.
  const config = loadBedrockConfig({ ...options.env, KEFU_ENGINE: options.generate ? "bedrock" : "local" });
  const client = options.client ?? new BedrockRuntimeClient({ region: options.region, maxAttempts: 1 });
  const parts = bedrockParts(config, client);
  const texts = entries.map((entry) => phrasings(entry));
  const vectors = await parts.embedder.embed(texts.flat());
  let next = 0;
  const stored: EntryWithVectors[] = entries.map((entry, i) => {
    const count = (texts[i] as string[]).length;
    const values = vectors.slice(next, next + count);
    next += count;
    return { ...entry, vectors: { modelId: parts.embedder.modelId, values } };
  });
  const errors: Record<EngineStage, number> = { rewrite: 0, dense: 0, generate: 0 };
  const engine = buildHybridEngine(stored, {
    embedder: parts.embedder,
    ...(options.generate && parts.generator ? { generator: parts.generator } : {}),
    thresholds: options.thresholds,
    onError: (_error, stage) => {
      errors[stage]++;
    },
  });
  return {
    engine,
    embeddingModel: parts.embedder.modelId,
    ...(options.generate && config.KEFU_ANSWER_MODEL_ID ? { answerModel: config.KEFU_ANSWER_MODEL_ID } : {}),
    errors,
    embedded: vectors.length,
  };
}
