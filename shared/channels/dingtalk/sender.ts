import type { ChannelSender } from "../ports";
import type { DingTalkCredentials } from "./credentials";
import { createDingTalkOutbound } from "./outbound";

/** DingTalk: the session webhook, or the robot OpenAPI. */
export const dingtalkSender: ChannelSender<DingTalkCredentials> = {
  channel: "dingtalk",
  outbound: (credentials, context) =>
    createDingTalkOutbound({
      credentials,
      apiBase: context.apiBase,
      tokens: context,
      ...(context.local && context.publicUrl ? { simulatorOrigin: context.publicUrl } : {}),
    }),
};
