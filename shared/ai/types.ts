/**
 * Model adapters behind small interfaces, so the pipeline never knows whether Bedrock or the embedded
 * local model is answering.
 */

/** Turns texts into vectors. Vectors are stored with the model id: a model change means re-embedding. */
export interface Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  /** One vector per text, in order. Implementations batch and retry internally. */
  embed(texts: string[]): Promise<Float32Array[]>;
}
