import { type SendOptions, sendParts } from "../../core/delivery";
import { ChannelApiError } from "../../core/errors";
import type { OutboundMessage } from "../../core/message";
import { splitByBytes, stripMarkdown } from "../../core/render";
import type { AccessTokenProvider, FetchedToken, OutboundAdapter } from "../ports";
import { apiUrl, callApi, createWeixinClient, errmsgOf } from "../weixin-api";
import type { WeChatCredentials } from "./credentials";

/** WeChat's customer-service text limit, in UTF-8 bytes. */
export const WECHAT_TEXT_MAX_BYTES = 2048;

const WECHAT = {
  name: "WeChat",
  /** The API refused the access token: it expired early, or another client fetched a newer one. */
  tokenErrors: new Set([40001, 40014, 42001]),
  /** System busy (-1) and frequency/quota limits (45009): worth another try later. */
  transientErrors: new Set([-1, 45009]),
};

/** Builds the provider from a fetcher; lets the registry share one token store across channels. */
export interface TokenProviderFactory {
  tokenProvider(name: string, fetchToken: () => Promise<FetchedToken>): AccessTokenProvider;
}

/** What a sender on the WeChat/WeCom API family needs besides its credentials. */
export interface WeixinSenderOptions {
  /** The platform's API base URL, or the local channel simulator. */
  apiBase: string;
  /** A ready provider, or a factory to which the adapter hands its own token fetcher. */
  tokens: AccessTokenProvider | TokenProviderFactory;
  fetch?: typeof fetch;
  /** Attempts per part (first try included) and the first back-off delay, doubled each time. */
  retry?: { attempts: number; baseDelayMs: number };
  sleep?: (ms: number) => Promise<void>;
}

/** apiBase: KEFU_WECHAT_API_BASE, https://api.weixin.qq.com by default. */
export interface WeChatOutboundOptions extends WeixinSenderOptions {
  credentials: WeChatCredentials;
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
  const url = apiUrl(options.apiBase, "/cgi-bin/token", {
    grant_type: "client_credential",
    appid: options.credentials.KEFU_WECHAT_APP_ID,
    secret: options.credentials.KEFU_WECHAT_APP_SECRET,
  });
  // The URL carries the AppSecret: it never goes into an error message.
  const body = await callApi(options.fetch ?? fetch, url, { method: "GET" }, "WeChat token");
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
 * The sending half of the WeChat channel: the customer-service message API (客服消息), which may write
 * to a customer within 48 hours of their last message.
 */
export function createWeChatOutbound(options: WeChatOutboundOptions): OutboundAdapter {
  const doFetch = options.fetch ?? fetch;
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
  const client = createWeixinClient(WECHAT, {
    apiBase: options.apiBase,
    tokens,
    fetch: doFetch,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });

  function render(text: string): string[] {
    return splitByBytes(stripMarkdown(text), WECHAT_TEXT_MAX_BYTES);
  }

  return {
    channel: "wechat",
    render,
    async send(message: OutboundMessage, options?: SendOptions): Promise<void> {
      // In order, one at a time: WeChat shows messages in the order it receives them.
      await sendParts(render(message.text), options, async (content) => {
        await client.post(
          "/cgi-bin/message/custom/send",
          { touser: message.to, msgtype: "text", text: { content } },
          "send",
          { ...(options?.deadline ? { deadline: options.deadline } : {}) },
        );
      });
    },
  };
}
