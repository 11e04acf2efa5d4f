import { type SendOptions, sendParts } from "../../core/delivery";
import { ChannelApiError } from "../../core/errors";
import type { OutboundMessage } from "../../core/message";
import { splitByBytes, stripMarkdown } from "../../core/render";
import type { OutboundAdapter } from "../ports";
import { createWeixinClient, WECOM, type WeixinSenderOptions } from "../weixin/api";
import { wecomTokenName, wecomTokens } from "../weixin/tokens";
import type { WeComCredentials } from "./credentials";

/** WeCom application text messages: at most 2048 bytes, and no markdown rendering. */
export const WECOM_TEXT_MAX_BYTES = 2048;

/** apiBase: KEFU_WECOM_API_BASE, https://qyapi.weixin.qq.com by default. */
export interface WeComOutboundOptions extends WeixinSenderOptions {
  credentials: WeComCredentials;
}

/** The sending half of the self-built app: `message/send` (发送应用消息) as plain text. */
export function createWeComOutbound(options: WeComOutboundOptions): OutboundAdapter {
  const { credentials } = options;
  const doFetch = options.fetch ?? fetch;
  const tokens = wecomTokens(
    options.tokens,
    wecomTokenName(credentials.KEFU_WECOM_CORP_ID, credentials.KEFU_WECOM_AGENT_ID),
    {
      apiBase: options.apiBase,
      corpId: credentials.KEFU_WECOM_CORP_ID,
      secret: credentials.KEFU_WECOM_SECRET,
      fetch: doFetch,
    },
  );
  const client = createWeixinClient(WECOM, { ...options, tokens });

  function render(text: string): string[] {
    return splitByBytes(stripMarkdown(text), WECOM_TEXT_MAX_BYTES);
  }

  return {
    channel: "wecom",
    render,
    async send(message: OutboundMessage, options?: SendOptions): Promise<void> {
      await sendParts(render(message.text), options, async (content) => {
        const answer = await client.post(
          "/cgi-bin/message/send",
          {
            touser: message.to,
            msgtype: "text",
            agentid: Number(credentials.KEFU_WECOM_AGENT_ID),
            text: { content },
            safe: 0,
          },
          "message/send",
          { ...(options?.deadline ? { deadline: options.deadline } : {}) },
        );
        // errcode 0 with the user listed as invalid: they left the corp or the app's visible range.
        if (typeof answer.invaliduser === "string" && answer.invaliduser !== "") {
          throw new ChannelApiError("WeCom message/send: the member cannot receive messages from this app", {
            retryable: false,
          });
        }
      });
    },
  };
}
