import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import type { AnswerEngine } from "../core/engine";
import { type FaqEntry, phrasings } from "../core/faq";
import type { PolicyThresholds } from "../core/thresholds";
import type { EntryVectors } from "../kb/knowledge";
import { createLexicalRetriever } from "../kb/lexical";
import type { Embedder, Retriever } from "../kb/retrieval";
import { thresholdsFromEnv } from "../kb/thresholds";
import { createBedrockEmbedder, type TitanDimensions } from "./bedrock-embedder";
import { createBedrockGenerator, type Generator } from "./bedrock-generator";
import { type BedrockConfig, guardrailFromConfig, loadBedrockConfig } from "./config";
import { createDenseIndex, createDenseRetriever, type DenseItem } from "./dense";
import { createHybridEngine, type EngineStage, rulesFor } from "./hybrid-engine";
import { createLocalEngine } from "./local-engine";
import { createBedrockRewriter, type QueryRewriter } from "./rewrite";

/** An entry as the FAQ store returns it, with the vectors written at import (one per phrasing). */
export type EntryWithVectors = FaqEntry & { vectors?: EntryVectors };

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
  const { embedder, generator, rewrite } = bedrockParts(config, client);
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

export interface HybridParts {
  embedder: Embedder;
  /** Without one, the approved FAQ answer is sent verbatim (the eval tool's `--retrieval-only`). */
  generator?: Generator;
  rewrite?: QueryRewriter;
  thresholds: PolicyThresholds;
  onError?: (error: unknown, stage: EngineStage) => void;
}

/**
 * The Bedrock engine over one version of the knowledge base: lexical retrieval, dense retrieval over
 * the stored vectors that fit the embedder, the shared triggers and policy, then the generator.
 */
export function buildHybridEngine(stored: EntryWithVectors[], parts: HybridParts): AnswerEngine {
  const items = denseItems(stored, parts.embedder.modelId, parts.embedder.dimensions);
  const dense: Retriever | undefined =
    items.length > 0 ? createDenseRetriever(createDenseIndex(items), parts.embedder) : undefined;
  // The index keeps its own compact copy; the float32 vectors (4 KB a phrasing at 1024 dimensions)
  // must not stay reachable through the entries the engine holds on to.
  const entries = stored.map(withoutVectors);
  return createHybridEngine({
    lexical: createLexicalRetriever(entries),
    ...(dense ? { dense } : {}),
    ...(parts.generator ? { generator: parts.generator } : {}),
    ...(parts.rewrite ? { rewrite: parts.rewrite } : {}),
    ...rulesFor(entries, { thresholds: parts.thresholds }),
    entries,
    ...(parts.onError ? { onError: parts.onError } : {}),
  });
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
