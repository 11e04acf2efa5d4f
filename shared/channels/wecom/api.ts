import type { FetchedToken } from "../ports";
import {
  type ApiBody,
  apiUrl,
  callApi,
  createWeixinClient,
  errcodeOf,
  errmsgOf,
  WeixinApiError,
  type WeixinClient,
  type WeixinClientOptions,
} from "../weixin-api";

/**
 * The WeCom server API (qyapi.weixin.qq.com) as both WeCom channels use it: one access token per
 * corp + secret, JSON bodies, `errcode` 0 for success. Shared by the self-built app and 微信客服.
 */

export type { ApiBody };
export type WeComClient = WeixinClient;
export type WeComClientOptions = WeixinClientOptions;

/** A refusal by the WeCom API, with its errcode, so callers can tell session rules apart. */
export class WeComApiError extends WeixinApiError {}

const WECOM = {
  name: "WeCom",
  /** The token was refused: expired early (42001), invalid (40014, 40001) or missing (41001). */
  tokenErrors: new Set([40001, 40014, 41001, 42001]),
  /** System busy (-1), API frequency (45009) and concurrency (45033) limits: worth another try later. */
  transientErrors: new Set([-1, 45009, 45033]),
  refusal: (message: string, errcode: number, options: { retryable: boolean }) =>
    new WeComApiError(message, errcode, options),
};

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
  const body = await callApi(options.fetch ?? fetch, url, { method: "GET" }, "WeCom gettoken");
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

/**
 * Calls with the shared token: a refused token is invalidated and the call repeated at once with a
 * fresh one (once); transient failures back off and retry; any other errcode is a non-retryable
 * WeComApiError. Exhausted retries end in a retryable ChannelApiError, so the queue tries again later.
 */
export function createWeComClient(options: WeComClientOptions): WeComClient {
  return createWeixinClient(WECOM, options);
}
