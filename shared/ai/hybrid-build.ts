import type { AnswerEngine } from "../core/engine";
import { type FaqEntry, phrasings } from "../core/faq";
import type { PolicyThresholds } from "../core/thresholds";
import type { EntryVectors } from "../kb/knowledge";
import { createLexicalRetriever } from "../kb/lexical";
import type { Embedder, Retriever } from "../kb/retrieval";
import type { Generator } from "./bedrock-generator";
import { createDenseIndex, createDenseRetriever, type DenseItem } from "./dense";
import { createHybridEngine, type EngineStage, rulesFor } from "./hybrid-engine";
import type { QueryRewriter } from "./rewrite";

/**
 * The Bedrock engine, built over one version of the knowledge base from the adapters it is given (the
 * worker's wiring picks them from the configuration: shared/aws/bedrock.ts).
 */

/** An entry as the FAQ store returns it, with the vectors written at import (one per phrasing). */
export type EntryWithVectors = FaqEntry & { vectors?: EntryVectors };

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
