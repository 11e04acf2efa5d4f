import type { ChannelModule } from "../ports";
import { type WeChatCredentials, WeChatCredentialsSchema } from "./credentials";
import { createWeChatInbound } from "./inbound";

/** WeChat Official Account (公众号): webhook in (customer-service message API out: sender.ts). */
export const wechatModule: ChannelModule<WeChatCredentials> = {
  channel: "wechat",
  credentials: WeChatCredentialsSchema,
  demoCredentials: {
    KEFU_WECHAT_TOKEN: "kefu-demo-token",
    // 43 characters, as the WeChat console generates it (base64 of 32 bytes without the trailing "=").
    KEFU_WECHAT_AES_KEY: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    KEFU_WECHAT_APP_ID: "wxkefudemo0000001",
    KEFU_WECHAT_APP_SECRET: "kefu-demo-app-secret",
  },
  apiBase: { default: "https://api.weixin.qq.com" },
  inbound: (credentials, context) =>
    createWeChatInbound({
      credentials,
      timestampWindowSeconds: context.timestampWindowSeconds,
      maxBodyBytes: context.maxBodyBytes,
    }),
};
