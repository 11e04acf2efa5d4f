import type { Deadline } from "../../core/deadline";
import { type SendOptions, sendParts } from "../../core/delivery";
import { ChannelApiError } from "../../core/errors";
import type { InboundMessage, OutboundMessage } from "../../core/message";
import type { ChannelStateStore } from "../module";
import type { HttpResponse, OutboundAdapter, WebhookOutcome } from "../types";
import { keywordLanguage, type SmsKeyword, smsKeyword } from "./keywords";
import { fitSegments, toSmsText } from "./render";
import { continuationText, helpText, SMS_TEXTS } from "./texts";

/**
 * What the two SMS channels (AWS End User Messaging and Twilio) share: carrier keywords, the opt-out
 * list, fitting replies into a few segments and the MORE continuation. Each channel brings its own
 * transport (one API call) and its own webhook parsing.
 */

export type SmsChannel = "sms" | "twilio";

export interface SmsSettings {
  /** KEFU_SMS_MAX_SEGMENTS: segments per reply (default 3). */
  maxSegments: number;
  /** KEFU_SMS_MORE_URL: when set, cut replies end with this link instead of "Reply MORE". */
  moreUrl?: string;
  /**
   * Who answers STOP/START/HELP: `platform` (default) when the platform replies itself (End User
   * Messaging without self-managed opt-outs; Twilio's default opt-out handling on US/CA numbers), `kefu`
   * when Kefu must (self-managed opt-outs, Twilio Advanced Opt-Out off). Never both: a customer who
   * texts STOP must get exactly one confirmation.
   */
  keywordReplies: "platform" | "kefu";
}

/** How long an unread continuation waits for MORE. */
export const REMAINDER_TTL_SECONDS = 24 * 3600;
/** How long a webhook remembers that it already answered a message (a platform's retries). */
const REPLIED_TTL_SECONDS = 24 * 3600;

export class SmsSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SmsSettingsError";
  }
}

export function smsSettings(env: Record<string, string | undefined>, channel: SmsChannel): SmsSettings {
  const rawSegments = env.KEFU_SMS_MAX_SEGMENTS?.trim() || "3";
  const maxSegments = Number(rawSegments);
  if (!Number.isInteger(maxSegments) || maxSegments < 1 || maxSegments > 10) {
    throw new SmsSettingsError("KEFU_SMS_MAX_SEGMENTS must be an integer from 1 to 10");
  }
  const moreUrl = env.KEFU_SMS_MORE_URL?.trim();
  if (moreUrl && !/^https?:\/\/\S+$/.test(moreUrl)) {
    throw new SmsSettingsError("KEFU_SMS_MORE_URL must be an http(s) URL");
  }
  const name = channel === "sms" ? "KEFU_SMS_KEYWORD_REPLIES" : "KEFU_TWILIO_KEYWORD_REPLIES";
  const keywordReplies = env[name]?.trim() || "platform";
  if (keywordReplies !== "platform" && keywordReplies !== "kefu") {
    throw new SmsSettingsError(`${name} must be "platform" or "kefu"`);
  }
  return { maxSegments, ...(moreUrl ? { moreUrl } : {}), keywordReplies };
}

// ---- durable state --------------------------------------------------------------------------------

export interface OptOutRecord {
  optedOut: boolean;
  at: string;
  /** A keyword we received, or the platform refusing a send because the number opted out there. */
  source: "keyword" | "platform";
}

interface Remainder {
  text: string;
  at: string;
}

const optOutKey = (channel: SmsChannel, ours: string, customer: string) =>
  `${channel}:optout:${ours}:${customer}`;
const remainderKey = (channel: SmsChannel, conversationKey: string) => `${channel}:more:${conversationKey}`;
const repliedKey = (channel: SmsChannel, messageId: string) => `${channel}:replied:${messageId}`;

export async function isOptedOut(
  state: ChannelStateStore,
  channel: SmsChannel,
  ours: string,
  customer: string,
): Promise<boolean> {
  return (await state.get<OptOutRecord>(optOutKey(channel, ours, customer)))?.optedOut === true;
}

export async function recordOptOut(
  state: ChannelStateStore,
  channel: SmsChannel,
  ours: string,
  customer: string,
  record: OptOutRecord,
): Promise<void> {
  await state.put(optOutKey(channel, ours, customer), record);
}

// ---- sending --------------------------------------------------------------------------------------

/** The platform refused a send because the number is on its opt-out list (Twilio 21610, AWS opted out). */
export class RecipientOptedOutError extends ChannelApiError {
  constructor(message = "recipient opted out", options: { cause?: unknown } = {}) {
    super(message, { retryable: false, cause: options.cause });
    this.name = "RecipientOptedOutError";
  }
}

/**
 * One SMS API call with the whole (already fitted) text; the carrier splits and concatenates it. The
 * call times out within `deadline` when there is one.
 */
export type SmsTransport = (request: {
  to: string;
  from?: string;
  body: string;
  deadline?: Deadline;
}) => Promise<void>;

export interface SmsDelivery {
  to: string;
  /** Our number the customer wrote to; the channel's configured identity when absent. */
  from?: string;
  conversationKey: string;
  text: string;
  /** Only the opt-out confirmation may go to a number that just opted out. */
  allowOptedOut?: boolean;
  /** Store what did not fit for MORE (replies of the bot); keyword answers leave it alone. */
  keepRemainder?: boolean;
}

export interface SmsOutbound extends OutboundAdapter {
  deliver(delivery: SmsDelivery, options?: SendOptions): Promise<void>;
}

export interface SmsOutboundOptions {
  channel: SmsChannel;
  state: ChannelStateStore;
  settings: SmsSettings;
  transport: SmsTransport;
  /** Our identity for the opt-out list when a message has no `from`. */
  defaultFrom: string;
  now?: () => Date;
}

export function createSmsOutbound(options: SmsOutboundOptions): SmsOutbound {
  const { channel, state, settings, transport } = options;
  const now = options.now ?? (() => new Date());
  const continuation = (language: "zh" | "en") => continuationText(language, settings.moreUrl);

  function fitReply(text: string) {
    return fitSegments(toSmsText(text), { maxSegments: settings.maxSegments, continuation });
  }

  async function deliver(delivery: SmsDelivery, sendOptions?: SendOptions): Promise<void> {
    const ours = delivery.from ?? options.defaultFrom;
    // Checked before every send, whoever sends (bot, agent desk, MORE): an opted-out number gets nothing.
    if (!delivery.allowOptedOut && (await isOptedOut(state, channel, ours, delivery.to))) {
      throw new ChannelApiError("recipient opted out", { retryable: false });
    }
    const { text, rest } = fitReply(delivery.text);
    if (!text) return;
    if (delivery.keepRemainder && !settings.moreUrl) {
      // Written before the send: a retry after a failed send computes and stores the same remainder.
      await state.put<Remainder>(
        remainderKey(channel, delivery.conversationKey),
        { text: rest, at: now().toISOString() },
        REMAINDER_TTL_SECONDS,
      );
    }
    try {
      // One part: the whole fitted text goes in one call, recorded like any reply's part.
      await sendParts([text], sendOptions, (body) =>
        transport({
          to: delivery.to,
          ...(delivery.from ? { from: delivery.from } : {}),
          body,
          ...(sendOptions?.deadline ? { deadline: sendOptions.deadline } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof RecipientOptedOutError) {
        // The platform knows of an opt-out we missed (e.g. "STOP please", which carriers match by prefix).
        await recordOptOut(state, channel, ours, delivery.to, {
          optedOut: true,
          at: now().toISOString(),
          source: "platform",
        });
      }
      throw error;
    }
  }

  return {
    channel,
    render(text: string): string[] {
      const { text: fitted } = fitReply(text);
      return fitted ? [fitted] : [];
    },
    async send(message: OutboundMessage, sendOptions?: SendOptions): Promise<void> {
      await deliver(
        {
          to: message.to,
          ...(message.from ? { from: message.from } : {}),
          conversationKey: message.conversationKey,
          text: message.text,
          keepRemainder: true,
        },
        sendOptions,
      );
    },
    deliver,
  };
}

// ---- receiving ------------------------------------------------------------------------------------

export interface SmsInboundDeps {
  channel: SmsChannel;
  state: ChannelStateStore;
  settings: SmsSettings;
  outbound: Pick<SmsOutbound, "deliver">;
  now?: () => Date;
}

/**
 * Decides what happens to one normalised inbound SMS before the queue:
 * - STOP/退订… and START/订阅… update the opt-out list and are not queued (nothing to answer);
 * - HELP is answered with the AI disclosure, MORE with the next part of the last cut reply;
 * - anything else (including MORE with nothing left to send) goes to the queue like any message.
 *
 * HELP and MORE are answered here rather than by the worker: they are channel conventions with a fixed
 * answer, the FAQ engine would misread them (and might open a ticket for "HELP"), and the answer (the
 * stored remainder) is channel state. Replies are marked per message id so a platform's retry of the
 * same delivery does not answer twice.
 */
export async function routeInboundSms(
  message: InboundMessage,
  ack: HttpResponse,
  deps: SmsInboundDeps,
): Promise<WebhookOutcome> {
  const { channel, state, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const ours = message.recipient ?? "";
  const customer = message.sender.id;
  const enqueue: WebhookOutcome = { kind: "enqueue", messages: [message], ack };
  if (message.kind !== "text" || !ours) return enqueue;

  const optedOut = await isOptedOut(state, channel, ours, customer);
  const keyword: SmsKeyword | undefined = smsKeyword(message.text, { optedOut });
  if (!keyword) return enqueue;
  const respond: WebhookOutcome = { kind: "respond", response: ack };

  const replyOnce = async (text: string, extra: Partial<SmsDelivery> = {}) => {
    const marker = repliedKey(channel, message.id);
    if (await state.get(marker)) return;
    await deps.outbound.deliver({
      to: customer,
      from: ours,
      conversationKey: message.conversationKey,
      text,
      ...extra,
    });
    await state.put(marker, { at: now().toISOString() }, REPLIED_TTL_SECONDS);
  };

  switch (keyword) {
    case "opt_out":
    case "opt_in": {
      const optOut = keyword === "opt_out";
      await recordOptOut(state, channel, ours, customer, {
        optedOut: optOut,
        at: now().toISOString(),
        source: "keyword",
      });
      if (settings.keywordReplies === "kefu") {
        const texts = SMS_TEXTS[keywordLanguage(message.text)];
        await replyOnce(optOut ? texts.optedOut : texts.optedIn, { allowOptedOut: optOut });
      }
      return respond;
    }
    case "help": {
      // Not to an opted-out number (the outbound check refuses): the platform's own HELP answer covers it.
      if (settings.keywordReplies === "kefu" && !optedOut) {
        await replyOnce(helpText(channel, keywordLanguage(message.text)));
      }
      return respond;
    }
    case "more": {
      const key = remainderKey(channel, message.conversationKey);
      const remainder = await state.get<Remainder>(key);
      if (!remainder?.text) return enqueue;
      await replyOnce(remainder.text, { keepRemainder: true });
      return respond;
    }
  }
}
