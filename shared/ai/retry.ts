import { type ModelError, ModelTimeoutError, RetryExhaustedError } from "./errors";

/**
 * Exponential backoff with full jitter for Bedrock calls. The SDK client retries too (its own standard
 * mode); this layer exists because Bedrock's on-demand throttling often lasts longer than the SDK's
 * short retry window, and because the caller needs a bounded, testable number of attempts.
 */

export interface RetryOptions {
  /** Total attempts including the first; at least 1. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  isRetryable?: (error: unknown) => boolean;
  /** Injected for tests; resolves after `ms` or rejects when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injected for tests; returns a number in [0, 1). */
  random?: () => number;
  /** Stops retrying (and waiting) once aborted. */
  signal?: AbortSignal;
}

/** Error names Bedrock uses for conditions that a later attempt can outlive. */
const RETRYABLE_NAMES = new Set([
  "RequestTimeoutError",
  "ThrottlingException",
  "ServiceUnavailableException",
  "ModelNotReadyException",
  "InternalServerException",
  "ModelTimeoutException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

export function isRetryableBedrockError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (typeof e.name === "string" && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === 429 || (typeof status === "number" && status >= 500);
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Full jitter: a uniform delay in [0, min(max, base·2^attempt)), which spreads a thundering herd. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number) {
  return Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error (rethrown as is), or runs out of
 * attempts (RetryExhaustedError with the last error as cause).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const isRetryable = options.isRetryable ?? isRetryableBedrockError;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (error instanceof ModelTimeoutError) throw error;
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      if (!isRetryable(error)) throw error;
      if (attempt + 1 >= maxAttempts) throw new RetryExhaustedError(attempt + 1, { cause: error });
      await sleep(backoffDelay(attempt, baseDelayMs, maxDelayMs, random), options.signal);
    }
  }
}

/**
 * Runs `fn` with an AbortSignal that fires after `timeoutMs`, or when `outer` aborts (the message's
 * time is spent), and rejects at that moment even if `fn` ignores the signal: the customer is waiting,
 * a late answer is no answer. The rejection is `timeoutError()` (a ModelTimeoutError unless the caller
 * wants a retryable one) or, when `outer` aborted, a ModelTimeoutError caused by its reason.
 */
export async function withTimeout<T>(
  timeoutMs: number,
  fn: (signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
  timeoutError: () => ModelError = () => new ModelTimeoutError(timeoutMs),
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onOuterAbort: (() => void) | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    const stop = (error: ModelError) => {
      controller.abort(error);
      reject(error);
    };
    timer = setTimeout(() => stop(timeoutError()), timeoutMs);
    if (outer) {
      onOuterAbort = () => stop(new ModelTimeoutError(timeoutMs, { cause: outer.reason }));
      if (outer.aborted) onOuterAbort();
      else outer.addEventListener("abort", onOuterAbort, { once: true });
    }
  });
  try {
    return await Promise.race([fn(controller.signal), timedOut]);
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    if (onOuterAbort) outer?.removeEventListener("abort", onOuterAbort);
  }
}
