import type { Candidate } from "../core/faq";

/**
 * The retrieval ports: what the engines (shared/ai) search with. The lexical retriever here implements
 * Retriever; Bedrock and the local hashing model implement Embedder, which the FAQ import uses too.
 */

/** Finds the FAQ entries closest to a query, best first. */
export interface Retriever {
  /** `signal` aborts remote calls (a query embedding) when the message's time is spent. */
  search(query: string, k?: number, options?: { signal?: AbortSignal }): Promise<Candidate[]>;
}

/** Turns texts into vectors. Vectors are stored with the model id: a model change means re-embedding. */
export interface Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  /**
   * One vector per text, in order. Implementations batch and retry internally; `signal` aborts the
   * remote calls (the message's time is spent).
   */
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]>;
}
