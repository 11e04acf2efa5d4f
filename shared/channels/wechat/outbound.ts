import { ChannelApiError } from "../../core/errors";
import type { OutboundMessage } from "../../core/message";
import { splitByBytes, stripMarkdown } from "../../core/render";
import type { WeChatCredentials } from "../../credentials";
import type { AccessTokenProvider, FetchedToken } from "../../stores/tokens";
import type { OutboundAdapter } from "../types";

/** WeChat's customer-service text limit, in UTF-8 bytes. */
export const WECHAT_TEXT_MAX_BYTES = 2048;

/** The API refused the access token: it expired early, or another client fetched a newer one. */
const TOKEN_ERRORS = new Set([40001, 40014, 42001]);
/** System busy (-1) and frequency/quota limits (45009): worth another try later. */
const TRANSIENT_ERRORS = new Set([-1, 45009]);

/** Builds the provider from a fetcher; lets the registry share one token store across channels. */
export interface TokenProviderFactory {
  tokenProvider(name: string, fetchToken: () => Promise<FetchedToken>): AccessTokenProvider;
}

export interface WeChatOutboundOptions {
  credentials: WeChatCredentials;
  /** KEFU_WECHAT_API_BASE: https://api.weixin.qq.com, or the local channel simulator. */
  apiBase: string;
  /** A ready provider, or a factory to which the adapter hands its own token fetcher. */
  tokens: AccessTokenProvider | TokenProviderFactory;
  fetch?: typeof fetch;
  /** Attempts per part (first try included) and the first back-off delay, doubled each time. */
  retry?: { attempts: number; baseDelayMs: number };
  sleep?: (ms: number) => Promise<void>;
}

/** The name under which an account's token is shared: one per AppID, whatever the function. */
export function wechatTokenName(appId: string): string {
  return `wechat:${appId}`;
}

/**
 * Fetches a fresh access token. Only the shared provider should call this: each fetch invalidates the
 * account's previous token for every other client after a short grace period.
 */
export async function fetchWeChatAccessToken(options: {
  apiBase: string;
  credentials: WeChatCredentials;
  fetch?: typeof fetch;
}): Promise<FetchedToken> {
  const url = apiUrl(options.apiBase, "/cgi-bin/token");
  url.searchParams.set("grant_type", "client_credential");
  url.searchParams.set("appid", options.credentials.KEFU_WECHAT_APP_ID);
  url.searchParams.set("secret", options.credentials.KEFU_WECHAT_APP_SECRET);
  // The URL carries the AppSecret: it never goes into an error message.
  const body = await callApi(options.fetch ?? fetch, url, { method: "GET" }, "token");
  if (typeof body.access_token === "string" && body.access_token && typeof body.expires_in === "number") {
    return { token: body.access_token, expiresInSeconds: body.expires_in };
  }
  const errcode = typeof body.errcode === "number" ? body.errcode : undefined;
  // -1 is "system busy"; everything else here (bad secret 40125, IP not allow-listed 40164…) needs a human.
  throw new ChannelApiError(`WeChat token request failed: errcode ${errcode ?? "none"} ${errmsgOf(body)}`, {
    retryable: errcode === -1,
  });
}

/**
 * The sending half of the WeChat channel: the customer-service message API (客服消息), which may write
 * to a customer within 48 hours of their last message.
 */
export function createWeChatOutbound(options: WeChatOutboundOptions): OutboundAdapter {
  const doFetch = options.fetch ?? fetch;
  const attempts = Math.max(1, options.retry?.attempts ?? 3);
  const baseDelayMs = options.retry?.baseDelayMs ?? 200;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const tokens: AccessTokenProvider =
    "tokenProvider" in options.tokens
      ? options.tokens.tokenProvider(wechatTokenName(options.credentials.KEFU_WECHAT_APP_ID), () =>
          fetchWeChatAccessToken({
            apiBase: options.apiBase,
            credentials: options.credentials,
            fetch: doFetch,
          }),
        )
      : options.tokens;

  function render(text: string): string[] {
    return splitByBytes(stripMarkdown(text), WECHAT_TEXT_MAX_BYTES);
  }

  async function sendPart(to: string, content: string): Promise<void> {
    const payload = JSON.stringify({ touser: to, msgtype: "text", text: { content } });
    let tokenRetried = false;
    let lastError: unknown;
    let attempt = 0;
    let backOff = false;
    while (attempt < attempts) {
      if (backOff) await sleep(baseDelayMs * 2 ** (attempt - 1));
      backOff = true;
      attempt++;
      let token: string;
      let body: ApiBody;
      try {
        token = await tokens.get();
        const url = apiUrl(options.apiBase, "/cgi-bin/message/custom/send");
        url.searchParams.set("access_token", token);
        body = await callApi(doFetch, url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: payload,
        });
      } catch (error) {
        if (error instanceof ChannelApiError && !error.retryable) throw error;
        lastError = error;
        continue;
      }
      const errcode = typeof body.errcode === "number" ? body.errcode : 0;
      if (errcode === 0) return;
      if (TOKEN_ERRORS.has(errcode)) {
        await tokens.invalidate(token);
        lastError = new ChannelApiError(`WeChat refused the access token: errcode ${errcode}`, {
          retryable: true,
        });
        // One more try at once with a fresh token, not counted as an attempt; a second refusal of a
        // fresh token is not the token's fault and takes the normal back-off.
        if (!tokenRetried) {
          tokenRetried = true;
          attempt--;
          backOff = false;
        }
        continue;
      }
      const error = new ChannelApiError(`WeChat send failed: errcode ${errcode} ${errmsgOf(body)}`, {
        retryable: TRANSIENT_ERRORS.has(errcode),
      });
      if (!error.retryable) throw error;
      lastError = error;
    }
    throw new ChannelApiError(`WeChat send failed after ${attempts} attempts`, {
      retryable: true,
      cause: lastError,
    });
  }

  return {
    channel: "wechat",
    render,
    async send(message: OutboundMessage): Promise<void> {
      // In order, one at a time: WeChat shows messages in the order it receives them.
      for (const part of render(message.text)) await sendPart(message.to, part);
    },
  };
}

type ApiBody = Record<string, unknown>;

/** Joins rather than resolves, so an API base with a path (the local simulator's) keeps it. */
function apiUrl(base: string, path: string): URL {
  return new URL(`${base.replace(/\/+$/, "")}${path}`);
}

/**
 * One call to the API: network failures, 429 and 5xx are retryable ChannelApiErrors, other HTTP
 * failures are not. Error messages name the endpoint, never the URL (it holds the token or secret).
 */
async function callApi(doFetch: typeof fetch, url: URL, init: RequestInit, name = "send"): Promise<ApiBody> {
  let response: Response;
  try {
    response = await doFetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (cause) {
    throw new ChannelApiError(`WeChat ${name} request did not complete`, { retryable: true, cause });
  }
  if (!response.ok) {
    const retryable = response.status === 429 || response.status >= 500;
    throw new ChannelApiError(`WeChat ${name} request failed with HTTP ${response.status}`, { retryable });
  }
  try {
    const body: unknown = await response.json();
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return body as ApiBody;
  } catch (cause) {
    throw new ChannelApiError(`WeChat ${name} answered with something other than JSON`, {
      retryable: true,
      cause,
    });
  }
  throw new ChannelApiError(`WeChat ${name} answered with something other than an object`, {
    retryable: true,
  });
}

function errmsgOf(body: ApiBody): string {
  // errmsg is WeChat's own diagnostic ("invalid openid rid: …"); it never echoes the message text.
  return typeof body.errmsg === "string" ? `(${body.errmsg.slice(0, 200)})` : "";
}
