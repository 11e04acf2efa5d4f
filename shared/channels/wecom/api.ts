import { ChannelApiError } from "../../core/errors";
import type { AccessTokenProvider, FetchedToken } from "../../stores/tokens";

/**
 * The WeCom server API (qyapi.weixin.qq.com) as both WeCom channels use it: one access token per
 * corp + secret, JSON bodies, `errcode` 0 for success. Shared by the self-built app and 微信客服.
 */

export type ApiBody = Record<string, unknown>;

/** The token was refused: expired early (42001), invalid (40014, 40001) or missing (41001). */
const TOKEN_ERRORS = new Set([40001, 40014, 41001, 42001]);
/** System busy (-1), API frequency (45009) and concurrency (45033) limits: worth another try later. */
const TRANSIENT_ERRORS = new Set([-1, 45009, 45033]);

/** A refusal by the WeCom API, with its errcode, so callers can tell session rules apart. */
export class WeComApiError extends ChannelApiError {
  readonly errcode: number;
  constructor(message: string, errcode: number, options: { retryable: boolean; cause?: unknown }) {
    super(message, options);
    this.name = "WeComApiError";
    this.errcode = errcode;
  }
}

/** Joins rather than resolves, so an API base with a path (the local simulator's) keeps it. */
export function apiUrl(base: string, path: string, params: Record<string, string> = {}): URL {
  const url = new URL(`${base.replace(/\/+$/, "")}${path}`);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url;
}

/**
 * One HTTP call: network failures, 429 and 5xx are retryable, other HTTP failures are not. Messages
 * name the endpoint, never the URL: it carries the access token or the secret.
 */
export async function callApi(
  doFetch: typeof fetch,
  url: URL,
  init: RequestInit,
  name: string,
): Promise<ApiBody> {
  let response: Response;
  try {
    response = await doFetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (cause) {
    throw new ChannelApiError(`WeCom ${name} request did not complete`, { retryable: true, cause });
  }
  if (!response.ok) {
    const retryable = response.status === 429 || response.status >= 500;
    throw new ChannelApiError(`WeCom ${name} request failed with HTTP ${response.status}`, { retryable });
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    throw new ChannelApiError(`WeCom ${name} answered with something other than JSON`, {
      retryable: true,
      cause,
    });
  }
  if (typeof body === "object" && body !== null && !Array.isArray(body)) return body as ApiBody;
  throw new ChannelApiError(`WeCom ${name} answered with something other than an object`, {
    retryable: true,
  });
}

export function errcodeOf(body: ApiBody): number {
  return typeof body.errcode === "number" ? body.errcode : 0;
}

function errmsgOf(body: ApiBody): string {
  // errmsg is WeCom's own diagnostic ("invalid external userid, hint: …"); it never echoes message text.
  return typeof body.errmsg === "string" ? ` (${body.errmsg.slice(0, 200)})` : "";
}

/**
 * `gettoken`. Only the shared provider should call it. WeCom hands out the same token until it expires,
 * so fetches by several instances do not revoke each other, but the call is rate-limited.
 */
export async function fetchWeComAccessToken(options: {
  apiBase: string;
  corpId: string;
  secret: string;
  fetch?: typeof fetch;
}): Promise<FetchedToken> {
  const url = apiUrl(options.apiBase, "/cgi-bin/gettoken", {
    corpid: options.corpId,
    corpsecret: options.secret,
  });
  const body = await callApi(options.fetch ?? fetch, url, { method: "GET" }, "gettoken");
  const errcode = errcodeOf(body);
  if (errcode === 0 && typeof body.access_token === "string" && body.access_token) {
    const expires = typeof body.expires_in === "number" ? body.expires_in : 7200;
    return { token: body.access_token, expiresInSeconds: expires };
  }
  // Wrong corpid (40013) or secret (40001), an egress IP missing from the app's trusted IPs (60020):
  // none of these heals by retrying.
  throw new WeComApiError(`WeCom gettoken failed: errcode ${errcode}${errmsgOf(body)}`, errcode, {
    retryable: TRANSIENT_ERRORS.has(errcode),
  });
}

export interface WeComClientOptions {
  apiBase: string;
  tokens: AccessTokenProvider;
  fetch?: typeof fetch;
  /** Attempts per call (first try included) and the first back-off delay, doubled each time. */
  retry?: { attempts: number; baseDelayMs: number };
  sleep?: (ms: number) => Promise<void>;
}

export interface WeComClient {
  /** POSTs `payload` as JSON to `path?access_token=…`; resolves with the body when errcode is 0. */
  post(path: string, payload: unknown, name: string): Promise<ApiBody>;
}

/**
 * Calls with the shared token: a refused token is invalidated and the call repeated at once with a
 * fresh one (once); transient failures back off and retry; any other errcode is a non-retryable
 * WeComApiError. Exhausted retries end in a retryable ChannelApiError, so the queue tries again later.
 */
export function createWeComClient(options: WeComClientOptions): WeComClient {
  const doFetch = options.fetch ?? fetch;
  const attempts = Math.max(1, options.retry?.attempts ?? 3);
  const baseDelayMs = options.retry?.baseDelayMs ?? 200;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  return {
    async post(path, payload, name) {
      const body = JSON.stringify(payload);
      let tokenRetried = false;
      let lastError: unknown;
      let attempt = 0;
      let backOff = false;
      while (attempt < attempts) {
        if (backOff) await sleep(baseDelayMs * 2 ** (attempt - 1));
        backOff = true;
        attempt++;
        let token: string;
        let answer: ApiBody;
        try {
          token = await options.tokens.get();
          const url = apiUrl(options.apiBase, path, { access_token: token });
          answer = await callApi(
            doFetch,
            url,
            { method: "POST", headers: { "content-type": "application/json" }, body },
            name,
          );
        } catch (error) {
          if (error instanceof ChannelApiError && !error.retryable) throw error;
          lastError = error;
          continue;
        }
        const errcode = errcodeOf(answer);
        if (errcode === 0) return answer;
        if (TOKEN_ERRORS.has(errcode)) {
          await options.tokens.invalidate(token);
          lastError = new WeComApiError(`WeCom refused the access token: errcode ${errcode}`, errcode, {
            retryable: true,
          });
          // A fresh token at once, not counted as an attempt; a second refusal takes the normal back-off.
          if (!tokenRetried) {
            tokenRetried = true;
            attempt--;
            backOff = false;
          }
          continue;
        }
        const error = new WeComApiError(
          `WeCom ${name} failed: errcode ${errcode}${errmsgOf(answer)}`,
          errcode,
          { retryable: TRANSIENT_ERRORS.has(errcode) },
        );
        if (!error.retryable) throw error;
        lastError = error;
      }
      throw new ChannelApiError(`WeCom ${name} failed after ${attempts} attempts`, {
        retryable: true,
        cause: lastError,
      });
    },
  };
}
