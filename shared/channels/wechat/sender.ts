import type { ChannelSender } from "../ports";
import type { WeChatCredentials } from "./credentials";
import { createWeChatOutbound } from "./outbound";

/** WeChat Official Account: the customer-service message API. */
export const wechatSender: ChannelSender<WeChatCredentials> = {
  channel: "wechat",
  outbound: (credentials, context) =>
    createWeChatOutbound({ credentials, apiBase: context.apiBase, tokens: context }),
};
