/**
 * Errors of the model adapters. The hybrid engine catches all of them and falls back to the approved
 * FAQ answer or a hand-off, so none of them ever reaches a customer.
 */

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** Base class: carries the tokens already spent, so a rejected generation is still accounted for. */
export class ModelError extends Error {
  readonly usage?: TokenUsage;
  constructor(message: string, options?: { cause?: unknown; usage?: TokenUsage }) {
    super(message, { cause: options?.cause });
    this.name = new.target.name;
    this.usage = options?.usage;
  }
}

/** The model's output did not have the shape we asked for (no tool call, wrong JSON, wrong vector size). */
export class MalformedModelOutputError extends ModelError {}

/** The model answered without citing any of the FAQ entries it was given, or cited others. */
export class UngroundedAnswerError extends ModelError {
  readonly citedIds: string[];
  constructor(message: string, citedIds: string[], options?: { cause?: unknown; usage?: TokenUsage }) {
    super(message, options);
    this.citedIds = citedIds;
  }
}

/** The call did not finish within its time budget and was aborted. */
export class ModelTimeoutError extends ModelError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super(`model call aborted after ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/** One attempt of a call took longer than its own limit; unlike ModelTimeoutError, worth retrying. */
export class RequestTimeoutError extends ModelError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super(`model request took longer than ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/** A retryable failure (throttling, 5xx) persisted through every allowed attempt. */
export class RetryExhaustedError extends ModelError {
  readonly attempts: number;
  constructor(attempts: number, options: { cause: unknown }) {
    super(`gave up after ${attempts} attempts`, options);
    this.attempts = attempts;
  }
}

/** A text that cannot be embedded (empty after trimming): a caller's bug, never retried. */
export class EmbeddingInputError extends ModelError {}
