import type { ChannelModule } from "../ports";
import { type WeComCredentials, WeComCredentialsSchema } from "./credentials";
import { createWeComInbound } from "./inbound";

/** WeCom self-built app (企业微信自建应用): callback in (`message/send` out: sender.ts). */
export const wecomModule: ChannelModule<WeComCredentials> = {
  channel: "wecom",
  credentials: WeComCredentialsSchema,
  demoCredentials: {
    KEFU_WECOM_TOKEN: "kefu-demo-wecom-token",
    KEFU_WECOM_AES_KEY: "kefuDemoWeComAesKey0123456789abcdefghijklmn",
    KEFU_WECOM_CORP_ID: "wwkefudemo00000001",
    KEFU_WECOM_AGENT_ID: "1000002",
    KEFU_WECOM_SECRET: "kefu-demo-wecom-secret",
  },
  apiBase: { default: "https://qyapi.weixin.qq.com" },
  inbound: (credentials, context) =>
    createWeComInbound({
      credentials,
      timestampWindowSeconds: context.timestampWindowSeconds,
      maxBodyBytes: context.maxBodyBytes,
    }),
};
