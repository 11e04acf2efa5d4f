import type { ChannelContext, ChannelModule } from "../ports";
import { createWeixinClient, WECOM } from "../weixin/api";
import { wecomKfTokenName, wecomTokens } from "../weixin/tokens";
import { type WeComKfCredentials, WeComKfCredentialsSchema } from "./credentials";
import { createWeComKfInbound } from "./inbound";

/** The shared access token of the 微信客服 account (its inbound pulls with it, its sender sends with it). */
export function tokensFor(credentials: WeComKfCredentials, context: ChannelContext) {
  return wecomTokens(context, wecomKfTokenName(credentials.KEFU_WECOM_KF_CORP_ID), {
    apiBase: context.apiBase,
    corpId: credentials.KEFU_WECOM_KF_CORP_ID,
    secret: credentials.KEFU_WECOM_KF_SECRET,
  });
}

/** WeCom 微信客服: callback + kf/sync_msg in, kf/send_msg out, session state on hand-off. */
export const wecomKfModule: ChannelModule<WeComKfCredentials> = {
  channel: "wecom-kf",
  credentials: WeComKfCredentialsSchema,
  demoCredentials: {
    KEFU_WECOM_KF_TOKEN: "kefu-demo-kf-token",
    KEFU_WECOM_KF_AES_KEY: "kefuDemoWeComKfAesKey0123456789abcdefghijkl",
    KEFU_WECOM_KF_CORP_ID: "wwkefudemo00000002",
    KEFU_WECOM_KF_SECRET: "kefu-demo-kf-secret",
  },
  apiBase: { default: "https://qyapi.weixin.qq.com" },
  inbound: (credentials, context) =>
    createWeComKfInbound({
      credentials,
      timestampWindowSeconds: context.timestampWindowSeconds,
      maxBodyBytes: context.maxBodyBytes,
      state: context.state,
      // Paging runs inside WeCom's 5 s: one quick retry, no long back-off.
      client: createWeixinClient(WECOM, {
        apiBase: context.apiBase,
        tokens: tokensFor(credentials, context),
        retry: { attempts: 2, baseDelayMs: 100 },
      }),
    }),
};
