import { type SendOptions, sendParts } from "../../core/delivery";
import type { OutboundMessage } from "../../core/message";
import { splitByBytes, stripMarkdown } from "../../core/render";
import type { OutboundAdapter } from "../ports";
import { createWeixinClient, WECHAT, type WeixinSenderOptions } from "../weixin/api";
import { wechatTokens } from "../weixin/tokens";
import type { WeChatCredentials } from "./credentials";

/** WeChat's customer-service text limit, in UTF-8 bytes. */
export const WECHAT_TEXT_MAX_BYTES = 2048;

/** apiBase: KEFU_WECHAT_API_BASE, https://api.weixin.qq.com by default. */
export interface WeChatOutboundOptions extends WeixinSenderOptions {
  credentials: WeChatCredentials;
}

/**
 * The sending half of the WeChat channel: the customer-service message API (客服消息), which may write
 * to a customer within 48 hours of their last message.
 */
export function createWeChatOutbound(options: WeChatOutboundOptions): OutboundAdapter {
  const doFetch = options.fetch ?? fetch;
  const tokens = wechatTokens(options.tokens, {
    apiBase: options.apiBase,
    appId: options.credentials.KEFU_WECHAT_APP_ID,
    appSecret: options.credentials.KEFU_WECHAT_APP_SECRET,
    fetch: doFetch,
  });
  const client = createWeixinClient(WECHAT, { ...options, tokens });

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
