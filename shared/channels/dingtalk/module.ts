import type { ChannelModule } from "../ports";
import { type DingTalkCredentials, DingTalkCredentialsSchema } from "./credentials";
import { createDingTalkInbound } from "./inbound";

/** DingTalk (钉钉) internal app robot: HTTP-mode robot messages and event pushes in, session webhook or robot OpenAPI out. */
export const dingtalkModule: ChannelModule<DingTalkCredentials> = {
  channel: "dingtalk",
  credentials: DingTalkCredentialsSchema,
  demoCredentials: {
    KEFU_DINGTALK_APP_KEY: "dingkefudemo00000001",
    KEFU_DINGTALK_APP_SECRET: "kefu-demo-dingtalk-app-secret",
    KEFU_DINGTALK_TOKEN: "kefu-demo-dingtalk-token",
    // 43 characters, as the DingTalk console generates it (base64 of 32 bytes without the trailing "=").
    KEFU_DINGTALK_AES_KEY: "kefuDingTalkDemoAesKey0123456789abcdefghijk",
    KEFU_DINGTALK_ROBOT_CODE: "dingkefudemo00000001",
  },
  apiBase: { default: "https://api.dingtalk.com" },
  // DingTalk's own ±1 hour tolerance, not the shared window (see DINGTALK_TIMESTAMP_WINDOW_SECONDS).
  inbound: (credentials, context) =>
    createDingTalkInbound({ credentials, maxBodyBytes: context.maxBodyBytes }),
};
