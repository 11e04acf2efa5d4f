import { BUDGET, type Deadline, OutOfTimeError } from "../../core/deadline";
import { ChannelApiError } from "../../core/errors";
import { apiUrl, httpJson, type JsonObject, type RetryPolicy, withRetries } from "../http";
import type { AccessTokenProvider, FetchedToken } from "../ports";
import type { TokenSource } from "../tokens";

/**
 * The server APIs of WeChat (api.weixin.qq.com) and WeCom (qyapi.weixin.qq.com) share one style: an
 * access token in the query, JSON bodies, `errcode` 0 for success, a few codes that mean "the token was
 * refused". One client serves the three channels of the family (WeChat OA, the WeCom app, 微信客服);
 * each platform names its own codes (WECHAT, WECOM below) and its own token endpoint.
 */

export type ApiBody = JsonObject;

export interface WeixinPlatform {
  /** Used in error messages: "WeChat", "WeCom". */
  name: string;
  /** Codes that mean the token was refused (expired early, revoked by a newer fetch, missing). */
  tokenErrors: ReadonlySet<number>;
  /** Codes worth another try later (system busy, rate limits). */
  transientErrors: ReadonlySet<number>;
  /** Builds the error of a refused call; lets a platform use its own subclass. */
  refusal?(message: string, errcode: number, options: { retryable: boolean }): WeixinApiError;
}

/** A refusal by the API, with its errcode, so callers can tell e.g. session rules apart. */
export class WeixinApiError extends ChannelApiError {
  readonly errcode: number;
  constructor(message: string, errcode: number, options: { retryable: boolean; cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.errcode = errcode;
  }
}

export function errcodeOf(body: ApiBody): number {
  return typeof body.errcode === "number" ? body.errcode : 0;
}

/** The platform's own diagnostic ("invalid openid rid: …"); it never echoes the message text. */
export function errmsgOf(body: ApiBody): string {
  return typeof body.errmsg === "string" ? ` (${body.errmsg.slice(0, 200)})` : "";
}

export interface WeixinClientOptions {
  apiBase: string;
  tokens: AccessTokenProvider;
  fetch?: typeof fetch;
  /** Attempts per call (first try included) and the first back-off delay, doubled each time. */
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
}

export interface WeixinClient {
  /**
   * POSTs `payload` as JSON to `path?access_token=…`; resolves with the body when errcode is 0. With a
   * deadline, each attempt's timeout fits it and no attempt starts that could not finish in it.
   */
  post(
    path: string,
    payload: unknown,
    name: string,
    options?: {
      deadline?: Deadline;
      /** Repeating it cannot act twice (a read, a send deduplicated by the platform): see withRetries. */
      idempotent?: boolean;
    },
  ): Promise<ApiBody>;
}

/**
 * Calls with the shared token: a refused token is invalidated and the call repeated at once with a
 * fresh one (once); transient failures back off and retry (http.ts); any other errcode is a
 * non-retryable refusal. Exhausted retries end in a retryable ChannelApiError, so the queue tries
 * again later.
 */
export function createWeixinClient(platform: WeixinPlatform, options: WeixinClientOptions): WeixinClient {
  const refusal =
    platform.refusal ??
    ((message: string, errcode: number, opts: { retryable: boolean }) =>
      new WeixinApiError(message, errcode, opts));

  return {
    async post(path, payload, name, { deadline, idempotent } = {}) {
      const label = `${platform.name} ${name}`;
      let tokenRetried = false;
      const attempt = async (): Promise<ApiBody> => {
        const token = await (deadline
          ? deadline.race(options.tokens.get(), `get the ${platform.name} token`)
          : options.tokens.get());
        const answer = await httpJson({
          url: apiUrl(options.apiBase, path, { access_token: token }),
          label,
          json: payload,
          deadline,
          fetch: options.fetch,
        });
        const errcode = errcodeOf(answer);
        if (errcode === 0) return answer;
        if (platform.tokenErrors.has(errcode)) {
          await options.tokens.invalidate(token);
          const refused = refusal(`${platform.name} refused the access token: errcode ${errcode}`, errcode, {
            retryable: true,
          });
          // A fresh token at once, not counted as an attempt; a second refusal of a fresh token is not
          // the token's fault and takes the normal back-off.
          if (tokenRetried) throw refused;
          tokenRetried = true;
          if (deadline && deadline.remainingMs() < BUDGET.partStartMs) {
            throw new OutOfTimeError(`call ${label}`, deadline.remainingMs(), { cause: refused });
          }
          return attempt();
        }
        throw refusal(`${label} failed: errcode ${errcode}${errmsgOf(answer)}`, errcode, {
          retryable: platform.transientErrors.has(errcode),
        });
      };
      return withRetries(label, attempt, {
        retry: options.retry,
        deadline,
        sleep: options.sleep,
        idempotent,
      });
    },
  };
}

/** What a sender of the family needs besides its credentials. */
export interface WeixinSenderOptions {
  /** The platform's API base URL, or the local channel simulator. */
  apiBase: string;
  /** A ready provider, or a factory to which the adapter hands its own token fetcher. */
  tokens: TokenSource;
  fetch?: typeof fetch;
  /** Attempts per part (first try included) and the first back-off delay, doubled each time. */
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
}

/** A refusal by the WeCom API, with its errcode, so callers can tell session rules apart. */
export class WeComApiError extends WeixinApiError {}

export const WECHAT: WeixinPlatform = {
  name: "WeChat",
  /** The API refused the access token: it expired early, or another client fetched a newer one. */
  tokenErrors: new Set([40001, 40014, 42001]),
  /** System busy (-1) and frequency/quota limits (45009): worth another try later. */
  transientErrors: new Set([-1, 45009]),
};

/** The WeCom server API as both WeCom channels use it (the self-built app and 微信客服). */
export const WECOM: WeixinPlatform = {
  name: "WeCom",
  /** The token was refused: expired early (42001), invalid (40014, 40001) or missing (41001). */
  tokenErrors: new Set([40001, 40014, 41001, 42001]),
  /** System busy (-1), API frequency (45009) and concurrency (45033) limits: worth another try later. */
  transientErrors: new Set([-1, 45009, 45033]),
  refusal: (message: string, errcode: number, options: { retryable: boolean }) =>
    new WeComApiError(message, errcode, options),
};

/**
 * Fetches a fresh WeChat access token. Only the shared provider should call this: each fetch
 * invalidates the account's previous token for every other client after a short grace period.
 */
export async function fetchWeChatAccessToken(options: {
  apiBase: string;
  appId: string;
  appSecret: string;
  fetch?: typeof fetch;
}): Promise<FetchedToken> {
  const url = apiUrl(options.apiBase, "/cgi-bin/token", {
    grant_type: "client_credential",
    appid: options.appId,
    secret: options.appSecret,
  });
  // The URL carries the AppSecret: it never goes into an error message.
  const body = await httpJson({ url, label: "WeChat token", method: "GET", fetch: options.fetch });
  if (typeof body.access_token === "string" && body.access_token && typeof body.expires_in === "number") {
    return { token: body.access_token, expiresInSeconds: body.expires_in };
  }
  const errcode = typeof body.errcode === "number" ? body.errcode : undefined;
  // -1 is "system busy"; everything else here (bad secret 40125, IP not allow-listed 40164…) needs a human.
  throw new ChannelApiError(`WeChat token request failed: errcode ${errcode ?? "none"}${errmsgOf(body)}`, {
    retryable: errcode === -1,
  });
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
  const body = await httpJson({ url, label: "WeCom gettoken", method: "GET", fetch: options.fetch });
  const errcode = errcodeOf(body);
  if (errcode === 0 && typeof body.access_token === "string" && body.access_token) {
    const expires = typeof body.expires_in === "number" ? body.expires_in : 7200;
    return { token: body.access_token, expiresInSeconds: expires };
  }
  // Wrong corpid (40013) or secret (40001), an egress IP missing from the app's trusted IPs (60020):
  // none of these heals by retrying.
  throw new WeComApiError(`WeCom gettoken failed: errcode ${errcode}${errmsgOf(body)}`, errcode, {
    retryable: WECOM.transientErrors.has(errcode),
  });
}
