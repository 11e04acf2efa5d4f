import { type BedrockRuntimeClient, InvokeModelCommand } from "@aws-sdk/client-bedrock-runtime";
import { z } from "zod";
import { mapWithConcurrency } from "../core/concurrency";
import type { Embedder } from "../kb/retrieval";
import { EmbeddingInputError, MalformedModelOutputError, RequestTimeoutError } from "./errors";
import { type RetryOptions, withRetry, withTimeout } from "./retry";
import { l2normalize } from "./vector";

export type TitanDimensions = 256 | 512 | 1024;

export interface BedrockEmbedderOptions {
  client: BedrockRuntimeClient;
  modelId?: string;
  dimensions?: TitanDimensions;
  /** Calls in flight at once. Titan V2 embeds one text per call, so batches fan out. */
  concurrency?: number;
  retry?: RetryOptions;
  /**
   * One InvokeModel attempt is aborted after this long and retried like throttling: an embedding takes
   * a fraction of a second, so a call hanging on a dead connection must not hold the message.
   */
  requestTimeoutMs?: number;
}

/** Titan V2 rejects longer inputs (its limit is 50,000 characters / 8,192 tokens). */
const MAX_INPUT_CHARS = 50_000;

const TitanResponseSchema = z.object({
  embedding: z.array(z.number()),
  inputTextTokenCount: z.number().optional(),
});

/**
 * Titan Text Embeddings V2 via InvokeModel. Vectors come back normalised by the model; we normalise
 * again anyway so a dot product is a cosine whatever the model did.
 */
export function createBedrockEmbedder(options: BedrockEmbedderOptions): Embedder {
  const modelId = options.modelId ?? "amazon.titan-embed-text-v2:0";
  const dimensions = options.dimensions ?? 1024;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const decoder = new TextDecoder();

  const embedOne = async (text: string, outer?: AbortSignal): Promise<Float32Array> => {
    const inputText = text.trim().slice(0, MAX_INPUT_CHARS);
    if (inputText.length === 0) throw new EmbeddingInputError("cannot embed an empty text");
    const command = new InvokeModelCommand({
      modelId,
      contentType: "application/json",
      accept: "application/json",
      body: JSON.stringify({ inputText, dimensions, normalize: true }),
    });
    const response = await withRetry(
      // A slow attempt is abandoned and retried like throttling; the message's deadline ends them all.
      () =>
        withTimeout(
          requestTimeoutMs,
          (signal) => options.client.send(command, { abortSignal: signal }),
          outer,
          () => new RequestTimeoutError(requestTimeoutMs),
        ),
      { ...options.retry, ...(outer ? { signal: outer } : {}) },
    );
    let json: unknown;
    try {
      json = JSON.parse(decoder.decode(response.body));
    } catch (cause) {
      throw new MalformedModelOutputError("embedding response is not JSON", { cause });
    }
    const parsed = TitanResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new MalformedModelOutputError("embedding response has no embedding array", {
        cause: parsed.error,
      });
    }
    if (parsed.data.embedding.length !== dimensions) {
      throw new MalformedModelOutputError(
        `embedding has ${parsed.data.embedding.length} dimensions, expected ${dimensions}`,
      );
    }
    return l2normalize(Float32Array.from(parsed.data.embedding));
  };

  return {
    modelId,
    dimensions,
    embed: (texts, { signal } = {}) =>
      mapWithConcurrency(texts, concurrency, (text) => embedOne(text, signal)),
  };
}
