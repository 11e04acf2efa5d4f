import type { AccessTokenProvider } from "../ports";
import { type TokenSource, tokenProviderFor } from "../tokens";
import { fetchWeChatAccessToken, fetchWeComAccessToken } from "./api";

/**
 * The family's access tokens, one per platform account and shared by every instance (tokens.ts): the
 * name each account's token is stored under, and the fetcher its refresher calls.
 */

/** WeChat: one per AppID, whatever the function. */
export function wechatTokenName(appId: string): string {
  return `wechat:${appId}`;
}

/** The WeCom app: one per app, since the secret is the app's. */
export function wecomTokenName(corpId: string, agentId: string): string {
  return `wecom:${corpId}:${agentId}`;
}

/** 微信客服: one per corp (and the secret of the app allowed to call the 微信客服 API). */
export function wecomKfTokenName(corpId: string): string {
  return `wecom-kf:${corpId}`;
}

export interface WeixinAccount {
  apiBase: string;
  fetch?: typeof fetch;
}

export function wechatTokens(
  source: TokenSource,
  account: WeixinAccount & { appId: string; appSecret: string },
): AccessTokenProvider {
  return tokenProviderFor(source, wechatTokenName(account.appId), () => fetchWeChatAccessToken(account));
}

/** A WeCom token under `name` (wecomTokenName or wecomKfTokenName): both channels fetch it the same way. */
export function wecomTokens(
  source: TokenSource,
  name: string,
  account: WeixinAccount & { corpId: string; secret: string },
): AccessTokenProvider {
  return tokenProviderFor(source, name, () => fetchWeComAccessToken(account));
}
