import { randomBytes } from "node:crypto";
import type { SimulatorResponse } from "./outbox";

/** An error as the Weixin family's APIs (公众号, 企业微信, 微信客服) answer one: HTTP 200, errcode, errmsg. */
export const weixinError = (errcode: number, errmsg: string): SimulatorResponse => ({
  status: 200,
  body: { errcode, errmsg },
});

type Refusal = readonly [errcode: number, errmsg: string];

/** How one platform names and refuses its token request's fields, and a token it never issued. */
export interface WeixinTokenRules {
  id: { param: string; value: string; refused: Refusal };
  secret: { param: string; value: string; refused: Refusal };
  unknownToken: Refusal;
  /** 企业微信 adds `errcode: 0, errmsg: "ok"` to the token; 公众号 does not. */
  withErrcode: boolean;
}

/**
 * The access tokens of a Weixin-family API: issued for 7200 s by the token path when the id and secret
 * match, and required on every other call, each refusal with the platform's own code.
 */
export function weixinTokens(rules: WeixinTokenRules) {
  const tokens = new Map<string, number>();
  return {
    issue(query: URLSearchParams): SimulatorResponse {
      for (const field of [rules.id, rules.secret]) {
        if (query.get(field.param) !== field.value) return weixinError(...field.refused);
      }
      const token = randomBytes(24).toString("base64url");
      tokens.set(token, Date.now() + 7200_000);
      const body = { access_token: token, expires_in: 7200 };
      return { status: 200, body: rules.withErrcode ? { errcode: 0, errmsg: "ok", ...body } : body };
    },
    /** Why a call's access_token is refused (unknown or expired), or undefined when it is good. */
    refusal(query: URLSearchParams): SimulatorResponse | undefined {
      const expiry = tokens.get(query.get("access_token") ?? "");
      if (expiry === undefined) return weixinError(...rules.unknownToken);
      if (expiry < Date.now()) return weixinError(42001, "access_token expired");
      return undefined;
    },
  };
}

/** 企业微信's `cgi-bin/gettoken` (the self-built app and 微信客服 alike): corpid and corpsecret. */
export function weComTokens(corpId: string, secret: string) {
  return weixinTokens({
    id: { param: "corpid", value: corpId, refused: [40013, "invalid corpid"] },
    secret: { param: "corpsecret", value: secret, refused: [40001, "invalid secret"] },
    unknownToken: [40014, "invalid access_token"],
    withErrcode: true,
  });
}
