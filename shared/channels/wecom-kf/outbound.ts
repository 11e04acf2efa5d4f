import { createHash } from "node:crypto";
import type { Deadline } from "../../core/deadline";
import { type SendOptions, sendParts } from "../../core/delivery";
import { ChannelApiError } from "../../core/errors";
import type { OutboundMessage } from "../../core/message";
import { splitByBytes, stripMarkdown } from "../../core/render";
import type { OutboundAdapter } from "../ports";
import { WeComApiError, type WeixinClient } from "../weixin/api";

/** 微信客服 text: 2048 bytes a message, and at most 5 messages per customer message (48 h window). */
export const KF_TEXT_MAX_BYTES = 2048;
export const KF_MAX_PARTS = 5;

/** service_state values (会话分配与状态). */
export const SERVICE_STATE = { untreated: 0, assistant: 1, pool: 2, human: 3, ended: 4 } as const;
const STATE_NAMES = ["untreated", "smart assistant", "reception pool", "human servicer", "ended"];

export interface WeComKfOutboundOptions {
  client: WeixinClient;
  /** Hand-offs go to this servicer (state 3) when set, else to the reception pool (state 2). */
  servicerUserId?: string;
}

/**
 * Plain text within the session rules: markdown stripped, 2048-byte parts, at most 5 of them. The
 * splitter already fills every part but the last at least half, so parts cannot usefully be merged: an
 * answer still too long keeps its first four parts and ends the fifth with an ellipsis, rather than
 * having its last messages refused by WeCom.
 */
export function renderKf(text: string, maxParts = KF_MAX_PARTS): string[] {
  const parts = splitByBytes(stripMarkdown(text), KF_TEXT_MAX_BYTES);
  if (parts.length <= maxParts) return parts;
  const kept = parts.slice(0, maxParts - 1);
  kept.push(truncate(parts.slice(maxParts - 1).join("\n")));
  return kept;
}

function truncate(text: string): string {
  if (bytes(text) <= KF_TEXT_MAX_BYTES) return text;
  const ellipsis = "…";
  return `${splitByBytes(text, KF_TEXT_MAX_BYTES - bytes(ellipsis))[0] ?? ""}${ellipsis}`;
}

function bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * The sending half of 微信客服: `kf/send_msg` while the bot holds the session (state 0 or 1), silence
 * when a person does (2 or 3), the welcome through `kf/send_msg_on_event` with the enter_session code,
 * and `kf/service_state/trans` on hand-off.
 */
export function createWeComKfOutbound(options: WeComKfOutboundOptions): OutboundAdapter {
  const { client } = options;
  const within = (deadline: Deadline | undefined) => (deadline ? { deadline } : {});

  async function serviceState(openKfId: string, userId: string, deadline?: Deadline): Promise<number> {
    const body = await client.post(
      "/cgi-bin/kf/service_state/get",
      { open_kfid: openKfId, external_userid: userId },
      "kf/service_state/get",
      { ...within(deadline), idempotent: true },
    );
    if (typeof body.service_state !== "number") {
      throw new ChannelApiError("WeCom kf/service_state/get answered without a service_state", {
        retryable: true,
      });
    }
    return body.service_state;
  }

  async function transfer(
    target: { openKfId: string; userId: string; state: number; servicer?: string },
    deadline?: Deadline,
  ) {
    await client.post(
      "/cgi-bin/kf/service_state/trans",
      {
        open_kfid: target.openKfId,
        external_userid: target.userId,
        service_state: target.state,
        ...(target.servicer ? { servicer_userid: target.servicer } : {}),
      },
      "kf/service_state/trans",
      within(deadline),
    );
  }

  return {
    channel: "wecom-kf",
    render: (text) => renderKf(text),
    async send(message: OutboundMessage, sendOptions?: SendOptions): Promise<void> {
      const deadline = sendOptions?.deadline;
      const openKfId = openKfIdOf(message);
      const welcomeCode = message.replyContext.welcome_code;
      if (welcomeCode) {
        // The code allows one text within 20 s of enter_session, whatever the session state.
        await sendParts(renderKf(message.text, 1).slice(0, 1), sendOptions, async (content) => {
          await client.post(
            "/cgi-bin/kf/send_msg_on_event",
            { code: welcomeCode, msgtype: "text", text: { content } },
            "kf/send_msg_on_event",
            within(deadline),
          );
        });
        return;
      }
      const state = await serviceState(openKfId, message.to, deadline);
      if (state !== SERVICE_STATE.untreated && state !== SERVICE_STATE.assistant) {
        throw new ChannelApiError(
          `WeCom KF session is in state ${state} (${STATE_NAMES[state] ?? "unknown"}): the bot stays silent`,
          { retryable: false },
        );
      }
      await sendParts(renderKf(message.text), sendOptions, async (content, index) => {
        await client.post(
          "/cgi-bin/kf/send_msg",
          {
            touser: message.to,
            open_kfid: openKfId,
            // 微信客服 refuses a msgid it has seen on the account: a repeat of a send whose answer never
            // came cannot deliver the part twice, so it is safe to try again at once.
            msgid: kfMsgId(message, index, content),
            msgtype: "text",
            text: { content },
          },
          "kf/send_msg",
          { ...within(deadline), idempotent: true },
        );
      });
    },
    async handoff(message: OutboundMessage, _ticketId: string, sendOptions?: SendOptions): Promise<void> {
      const deadline = sendOptions?.deadline;
      const openKfId = openKfIdOf(message);
      const state = await serviceState(openKfId, message.to, deadline);
      // Queued, with a person, or over: nothing for the bot to hand over.
      if (state !== SERVICE_STATE.untreated && state !== SERVICE_STATE.assistant) return;
      const userId = message.to;
      if (options.servicerUserId) {
        try {
          await transfer(
            { openKfId, userId, state: SERVICE_STATE.human, servicer: options.servicerUserId },
            deadline,
          );
          return;
        } catch (error) {
          // The servicer is off duty or not a servicer of this account: the pool still reaches a person.
          if (!(error instanceof WeComApiError) || error.retryable) throw error;
        }
      }
      await transfer({ openKfId, userId, state: SERVICE_STATE.pool }, deadline);
    },
  };
}

/**
 * The msgid of one part of one reply: the same for every attempt at that part (the message it answers,
 * the part's place and its text), unique on the account otherwise. At most 32 characters of
 * [0-9a-zA-Z_-], as kf/send_msg requires.
 */
export function kfMsgId(message: OutboundMessage, index: number, content: string): string {
  const digest = createHash("sha256")
    .update(`${message.conversationKey}\n${message.inReplyTo ?? ""}\n${index}\n${content}`)
    .digest("base64url");
  return `kf${digest.slice(0, 30)}`;
}

function openKfIdOf(message: OutboundMessage): string {
  const openKfId = message.replyContext.open_kfid ?? message.from;
  if (!openKfId) {
    throw new ChannelApiError("WeCom KF reply without an open_kfid to send from", { retryable: false });
  }
  return openKfId;
}
