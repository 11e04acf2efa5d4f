import { createHash } from "node:crypto";
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

/**
 * How long WeCom's duplicate check remembers one part's request: 30 to 60 minutes (at most 4 hours are
 * allowed), longer than the queue's redeliveries (4 × 6 min), chosen by the message answered and the
 * part's place so that two replies with the same text are two different requests.
 */
export function duplicateCheckInterval(message: OutboundMessage, index: number): number {
  const digest = createHash("sha256").update(
    `${message.conversationKey}\n${message.inReplyTo ?? ""}\n${index}`,
  );
  return 1800 + (digest.digest().readUInt32BE(0) % 1800);
}

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
      await sendParts(render(message.text), options, async (content, index) => {
        const answer = await client.post(
          "/cgi-bin/message/send",
          {
            touser: message.to,
            msgtype: "text",
            agentid: Number(credentials.KEFU_WECOM_AGENT_ID),
            text: { content },
            safe: 0,
            // WeCom drops a request identical (the whole JSON) to one it took within the interval: a
            // repeat of a send whose answer never came cannot deliver the part twice, so it is safe to
            // try again. The interval, part of the JSON, differs from one reply to another, so the same
            // text answering another message of the member still goes out.
            enable_duplicate_check: 1,
            duplicate_check_interval: duplicateCheckInterval(message, index),
          },
          "message/send",
          { ...(options?.deadline ? { deadline: options.deadline } : {}), idempotent: true },
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
