/**
 * Model adapters behind small interfaces, so the pipeline never knows whether Bedrock or the embedded
 * local model is answering.
 */

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
