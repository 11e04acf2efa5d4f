import { BUDGET, callSignal, type Deadline, OutOfTimeError } from "../core/deadline";
import { ChannelApiError, DeliveryUnknownError } from "../core/errors";

export { DeliveryUnknownError };

/**
 * The one way channels call platform HTTP APIs (WeChat, WeCom, DingTalk, Twilio): every call times out
 * (its own cap, shortened to the message's deadline), only what a later try can fix is retried — no
 * answer at all, HTTP 429 and 5xx, and what a platform maps to a retryable ChannelApiError — with
 * exponential back-off, and a retry that could not finish before the deadline is not started. Errors
 * name the endpoint (`label`), never the URL: it may carry an access token, a secret or a session
 * webhook that works as a credential.
 */

/** The longest any one call may take, whatever time the message has left. */
export const CALL_TIMEOUT_MS = 10_000;

export type JsonObject = Record<string, unknown>;

/**
 * No answer came from the platform: no connection, a dropped one, or no answer in time. When the
 * connection was never made the platform cannot have acted on the request; otherwise the request may
 * have reached it and been carried out (`outcomeUnknown`): a send timed out on our side may well have
 * been delivered.
 */
export class ChannelUnreachableError extends ChannelApiError {
  readonly outcomeUnknown: boolean;
  constructor(label: string, cause: unknown, options: { changesState?: boolean } = {}) {
    super(`${label} request did not complete`, { retryable: true, cause });
    this.name = "ChannelUnreachableError";
    this.outcomeUnknown = (options.changesState ?? true) && !neverConnected(cause);
  }
}

/** Failures to open a connection at all (Node's and undici's codes): nothing reached the platform. */
const CONNECT_FAILURES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function neverConnected(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CONNECT_FAILURES.has(code)) return true;
  }
  return false;
}

export interface HttpRequest {
  url: URL | string;
  /** Names the endpoint in errors ("WeChat send"). */
  label: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** Sent as JSON (a string body, e.g. a form, goes in `body`). */
  json?: unknown;
  body?: string;
  /** The message's budget: the call's timeout fits it. */
  deadline?: Deadline;
  fetch?: typeof fetch;
  /**
   * The call does something on the platform (sends a message): without an answer, whether it was done is
   * unknown. A POST does unless said otherwise (a token fetch does not); a GET never does.
   */
  changesState?: boolean;
}

export interface HttpAnswer {
  status: number;
  ok: boolean;
  /** The body when it is a JSON object; platforms report refusals there, with any status. */
  body: JsonObject | undefined;
}

/** HTTP statuses a later try may get past. */
export function transientStatus(status: number | undefined): boolean {
  return status !== undefined && (status === 429 || status >= 500);
}

/**
 * One call, no retry. Throws ChannelUnreachableError when no answer came; any answer is returned for the
 * platform to judge, with its body if that is a JSON object. Redirects are refused: no platform API
 * redirects, and following one would carry a token in the URL to another host.
 */
export async function httpCall(request: HttpRequest): Promise<HttpAnswer> {
  const doFetch = request.fetch ?? fetch;
  const headers = { ...(request.json !== undefined ? { "content-type": "application/json" } : {}) };
  let response: Response;
  try {
    response = await doFetch(request.url, {
      method: request.method ?? "POST",
      headers: { ...headers, ...request.headers },
      ...(request.json !== undefined
        ? { body: JSON.stringify(request.json) }
        : request.body !== undefined
          ? { body: request.body }
          : {}),
      redirect: "error",
      signal: callSignal(CALL_TIMEOUT_MS, request.deadline),
    });
  } catch (cause) {
    const changesState = (request.method ?? "POST") !== "GET" && request.changesState !== false;
    throw new ChannelUnreachableError(request.label, cause, { changesState });
  }
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch {
    parsed = undefined;
  }
  const body =
    typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as JsonObject)
      : undefined;
  return { status: response.status, ok: response.ok, body };
}

/**
 * One call to an API that answers a JSON object with 2xx: any other HTTP status is a failure (retryable
 * when transient), and a 2xx that is not a JSON object (a proxy's page) is retryable.
 */
export async function httpJson(request: HttpRequest): Promise<JsonObject> {
  const answer = await httpCall(request);
  if (!answer.ok) {
    throw new ChannelApiError(`${request.label} request failed with HTTP ${answer.status}`, {
      retryable: transientStatus(answer.status),
    });
  }
  if (answer.body) return answer.body;
  throw new ChannelApiError(`${request.label} answered with something other than a JSON object`, {
    retryable: true,
  });
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The first back-off delay, doubled before each later attempt. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200 };

export interface RetryOptions {
  retry?: RetryPolicy | undefined;
  deadline?: Deadline | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /**
   * Repeating the call cannot do its work twice: a read, or a send the platform dedups by a key of ours
   * (微信客服's msgid, the WeCom app's duplicate check). Only such a call is tried again after an attempt
   * whose outcome is unknown; any other ends in DeliveryUnknownError.
   */
  idempotent?: boolean | undefined;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, backing off between tries. A non-retryable ChannelApiError and
 * OutOfTimeError end it at once, and so does an attempt whose outcome is unknown unless the call is
 * `idempotent` (DeliveryUnknownError); anything else (a retryable refusal, no connection, a token store
 * that failed) is tried again. Exhausted retries end in a retryable ChannelApiError, so the queue tries the
 * message again later; a retry that could not finish in the deadline is not started (OutOfTimeError).
 */
export async function withRetries<T>(
  label: string,
  attempt: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { attempts: wanted, baseDelayMs } = options.retry ?? DEFAULT_RETRY;
  const attempts = Math.max(1, wanted);
  const sleep = options.sleep ?? realSleep;
  const { deadline } = options;
  let lastError: unknown;
  for (let n = 0; n < attempts; n++) {
    const delay = n > 0 ? baseDelayMs * 2 ** (n - 1) : 0;
    if (deadline && deadline.remainingMs() < delay + BUDGET.partStartMs) {
      throw new OutOfTimeError(`call ${label}`, deadline.remainingMs(), { cause: lastError });
    }
    if (delay > 0) await sleep(delay);
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof OutOfTimeError) throw error;
      if (error instanceof ChannelApiError && !error.retryable) throw error;
      if (error instanceof ChannelUnreachableError && error.outcomeUnknown && !options.idempotent) {
        throw new DeliveryUnknownError(label, error);
      }
      lastError = error;
    }
  }
  throw new ChannelApiError(`${label} failed after ${attempts} attempts`, {
    retryable: true,
    cause: lastError,
  });
}

/** Joins rather than resolves, so an API base with a path (the local simulator's) keeps it. */
export function apiUrl(base: string, path: string, params: Record<string, string> = {}): URL {
  const url = new URL(`${base.replace(/(?<!\/)\/+$/, "")}${path}`);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url;
}
