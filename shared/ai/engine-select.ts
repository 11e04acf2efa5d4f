import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import type { AnswerEngine } from "../core/engine";
import { createLexicalRetriever } from "../kb/lexical";
import { type PolicyThresholds, thresholdsFromEnv } from "../kb/thresholds";
import { type FaqEntry, phrasings, type Retriever } from "../kb/types";
import { createBedrockEmbedder, type TitanDimensions } from "./bedrock-embedder";
import { createBedrockGenerator } from "./bedrock-generator";
import { guardrailFromConfig, loadBedrockConfig } from "./config";
import { createDenseIndex, createDenseRetriever, type DenseItem } from "./dense";
import { createHybridEngine, type EngineStage, rulesFor } from "./hybrid-engine";
import { createLocalEngine } from "./local-engine";
import { createBedrockRewriter } from "./rewrite";

/** An entry as the FAQ store returns it, with the vectors written at import (one per phrasing). */
export type EntryWithVectors = FaqEntry & { vectors?: { modelId: string; values: Float32Array[] } };

export interface EngineSelection {
  kind: "local" | "bedrock";
  thresholds: PolicyThresholds;
  /** Whether the engine cache must load stored vectors with the entries. */
  vectors: boolean;
  build(entries: EntryWithVectors[]): AnswerEngine;
}

export interface SelectEngineOptions {
  env: Record<string, string | undefined>;
  mode: "aws" | "local";
  region?: string;
  /** For tests; by default one BedrockRuntimeClient is made per selection (i.e. per cold start). */
  client?: BedrockRuntimeClient;
  onError?: (error: unknown, stage: EngineStage) => void;
}

/**
 * Picks the answer engine once per cold start: `KEFU_ENGINE=local|bedrock`, by default bedrock in AWS
 * mode and local in local mode. Thresholds come from `KEFU_*_THRESHOLD` for both. Invalid settings
 * throw here, at cold start, not on the first message.
 */
export function selectEngine(options: SelectEngineOptions): EngineSelection {
  const thresholds = thresholdsFromEnv(options.env);
  const kind =
    (options.env.KEFU_ENGINE as "local" | "bedrock" | undefined) ??
    (options.mode === "aws" ? "bedrock" : "local");
  if (kind === "local") {
    return {
      kind,
      thresholds,
      vectors: false,
      build: (entries) => createLocalEngine(entries, { thresholds }),
    };
  }
  const config = loadBedrockConfig({ ...options.env, KEFU_ENGINE: "bedrock" });
  // The adapters retry with their own budgets; SDK retries on top would multiply the wait.
  const client = options.client ?? new BedrockRuntimeClient({ region: options.region, maxAttempts: 1 });
  const embedder = createBedrockEmbedder({
    client,
    modelId: config.KEFU_EMBEDDING_MODEL_ID,
    dimensions: config.KEFU_EMBEDDING_DIMENSIONS as TitanDimensions,
  });
  const answerModel = config.KEFU_ANSWER_MODEL_ID as string;
  const guardrail = guardrailFromConfig(config);
  const generator = createBedrockGenerator({
    client,
    modelId: answerModel,
    timeoutMs: config.KEFU_ANSWER_TIMEOUT_MS,
    ...(guardrail ? { guardrail } : {}),
  });
  const rewrite = createBedrockRewriter({ client, modelId: config.KEFU_REWRITE_MODEL_ID ?? answerModel });
  return {
    kind,
    thresholds,
    vectors: true,
    build(stored) {
      const items = denseItems(stored, embedder.modelId, embedder.dimensions);
      const dense: Retriever | undefined =
        items.length > 0 ? createDenseRetriever(createDenseIndex(items), embedder) : undefined;
      // The index keeps its own compact copy; the float32 vectors (4 KB a phrasing at 1024 dimensions)
      // must not stay reachable through the entries the engine holds on to.
      const entries = stored.map(withoutVectors);
      return createHybridEngine({
        lexical: createLexicalRetriever(entries),
        ...(dense ? { dense } : {}),
        generator,
        rewrite,
        ...rulesFor(entries, { thresholds }),
        entries,
        ...(options.onError ? { onError: options.onError } : {}),
      });
    },
  };
}

function withoutVectors(entry: EntryWithVectors): FaqEntry {
  const { vectors: _dropped, ...plain } = entry;
  return plain;
}

/**
 * The stored vectors usable with the configured embedder: same model id, same size, one per phrasing.
 * Vectors from another model (the local hashing embedder, an older Titan setting) live in a different
 * space, so they are skipped and retrieval stays lexical until the KB is re-imported.
 */
export function denseItems(entries: EntryWithVectors[], modelId: string, dimensions: number): DenseItem[] {
  const items: DenseItem[] = [];
  for (const entry of entries) {
    const v = entry.vectors;
    if (!v || v.modelId !== modelId) continue;
    const texts = phrasings(entry);
    texts.forEach((phrasing, i) => {
      const vector = v.values[i];
      if (vector && vector.length === dimensions) items.push({ faqId: entry.id, phrasing, vector });
    });
  }
  return items;
}
