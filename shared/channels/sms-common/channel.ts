import type { Deadline } from "../../core/deadline";
import { type SendOptions, sendParts } from "../../core/delivery";
import { ChannelApiError } from "../../core/errors";
import { type InboundMessage, KEYWORD_EVENT, type OutboundMessage } from "../../core/message";
import type { ChannelStateStore, HttpResponse, OutboundAdapter, WebhookOutcome } from "../ports";
import type { SmsSettings } from "../settings";
import { keywordLanguage, type SmsKeyword, smsKeyword } from "./keywords";
import { fitSegments, toSmsText } from "./render";
import { continuationText, helpText, SMS_TEXTS } from "./texts";

/**
 * What the two SMS channels (AWS End User Messaging and Twilio) share: carrier keywords, the opt-out
 * list, fitting replies into a few segments and the MORE continuation. Each channel brings its own
 * transport (one API call) and its own webhook parsing.
 */

export type SmsChannel = "sms" | "twilio";

/** How long an unread continuation waits for MORE. */
export const REMAINDER_TTL_SECONDS = 24 * 3600;
/** How long the sender remembers that it already answered a keyword message (redeliveries, retries). */
const REPLIED_TTL_SECONDS = 24 * 3600;

// ---- durable state --------------------------------------------------------------------------------

/**
 * Whether a customer may be written to from one of our numbers. Kept without expiry, like consent.
 *
 * STOP and START change it only in order and only once each: `at` is when the current state began
 * (the keyword's time: AWS signs the SNS Timestamp; Twilio gives no time, so its arrival), an older
 * keyword (a retry that lost a race) does not undo a newer one, and `keywords` remembers the message ids
 * of the recent STOP/START keywords, so a retry or a replay of one is never applied twice, however old:
 * Twilio signs no timestamp, so an observed START could otherwise re-subscribe the customer any time.
 */
export interface OptOutRecord {
  optedOut: boolean;
  at: string;
  /** A keyword we received, or the platform refusing a send because the number opted out there. */
  source: "keyword" | "platform";
  /** STOP/START messages seen, newest last, and whether each changed the state (bounded). */
  keywords?: { id: string; at: string; applied: boolean }[];
  /** Bumped on every write; a write lands only on the revision it read. Absent on older records. */
  revision?: number;
}

/** STOP/START ids remembered per customer: years of ordinary use. */
export const KEYWORD_IDS_KEPT = 50;
/** Each round of racing writers lets one through: enough for the few deliveries one customer makes at once. */
const UPDATE_ATTEMPTS = 8;

export class OptOutConflictError extends ChannelApiError {
  constructor() {
    super("the opt-out list kept changing under this update", { retryable: true });
    this.name = "OptOutConflictError";
  }
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

/**
 * Read → change → write only if nobody wrote in between, again on a conflict. `change` returns the
 * record's new content, or undefined to leave it alone; the result is the record as it now stands.
 */
async function updateOptOut(
  state: ChannelStateStore,
  key: string,
  change: (current: OptOutRecord | undefined) => Omit<OptOutRecord, "revision"> | undefined,
): Promise<OptOutRecord | undefined> {
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    const current = await state.get<OptOutRecord>(key);
    const next = change(current);
    if (!next) return current;
    const record = { ...next, revision: (current?.revision ?? 0) + 1 };
    if (await state.putIfRevision(key, record, current?.revision)) return record;
  }
  throw new OptOutConflictError();
}

/** The platform refused a send because the number opted out there: it is authoritative from now on. */
export async function recordOptOut(
  state: ChannelStateStore,
  channel: SmsChannel,
  ours: string,
  customer: string,
  record: Pick<OptOutRecord, "optedOut" | "at" | "source">,
): Promise<void> {
  await updateOptOut(state, optOutKey(channel, ours, customer), (current) =>
    current && Date.parse(current.at) > Date.parse(record.at) ? undefined : { ...current, ...record },
  );
}

type KeywordOutcome =
  /** First sight: the state changed (or already was so). Confirm it. */
  | "applied"
  /** First sight, but a newer STOP/START already decided the state: leave it, say nothing. */
  | "outdated"
  /** Seen before and applied: a platform retry, whose confirmation may still be due. */
  | "retry"
  /** Seen before and not applied, or seen more than a day ago: nothing to do. */
  | "ignored";

/** Applies one STOP/START message, at most once and in order (see OptOutRecord). */
async function applyOptKeyword(
  state: ChannelStateStore,
  key: string,
  message: InboundMessage,
  optOut: boolean,
  now: Date,
): Promise<KeywordOutcome> {
  let outcome: KeywordOutcome = "ignored";
  await updateOptOut(state, key, (current) => {
    const seen = current?.keywords?.find((k) => k.id === message.id);
    if (seen) {
      const recent = now.getTime() - Date.parse(seen.at) < REPLIED_TTL_SECONDS * 1000;
      outcome = seen.applied && recent ? "retry" : "ignored";
      return undefined;
    }
    const applies = !current || Date.parse(current.at) <= Date.parse(message.receivedAt);
    outcome = applies ? "applied" : "outdated";
    const keywords = [
      ...(current?.keywords ?? []),
      { id: message.id, at: now.toISOString(), applied: applies },
    ].slice(-KEYWORD_IDS_KEPT);
    return applies
      ? { optedOut: optOut, at: message.receivedAt, source: "keyword", keywords }
      : { ...(current as OptOutRecord), keywords };
  });
  return outcome;
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
  keywordAnswer(message: InboundMessage): Promise<OutboundMessage | undefined>;
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
      // Only an answer keywordAnswer() made is a keyword answer; a later message of the same
      // conversation (a hand-off notice, the CSAT question) may carry the keyword in its routing data.
      const keyword = message.replyContext.keywordAnswer
        ? (message.replyContext.keyword as SmsKeyword | undefined)
        : undefined;
      await deliver(
        {
          to: message.to,
          ...(message.from ? { from: message.from } : {}),
          conversationKey: message.conversationKey,
          text: message.text,
          // Only the opt-out confirmation may go to the number that just opted out; a fixed keyword
          // answer leaves the remainder waiting for MORE alone.
          ...(keyword === "opt_out" ? { allowOptedOut: true } : {}),
          keepRemainder: !keyword || message.replyContext.keywordAnswer === "remainder",
        },
        sendOptions,
      );
      // A keyword answered: a redelivery of its message sends nothing again (keywordAnswer).
      if (keyword && message.inReplyTo) {
        await state.put(
          repliedKey(channel, message.inReplyTo),
          { at: now().toISOString() },
          REPLIED_TTL_SECONDS,
        );
      }
    },
    deliver,

    /**
     * The answer to a keyword the webhook queued (KEYWORD_EVENT): the opt-out or opt-in confirmation,
     * the HELP text, or the next part of the last cut reply — as a message for `send`, which the worker
     * inspects first like any other. None when it was answered already (a redelivery).
     */
    async keywordAnswer(message: InboundMessage): Promise<OutboundMessage | undefined> {
      if (await state.get(repliedKey(channel, message.id))) return undefined;
      const language = keywordLanguage(message.text);
      const keyword = message.replyContext.keyword as SmsKeyword | undefined;
      const answer = (text: string, kind: "fixed" | "remainder"): OutboundMessage => ({
        channel: message.channel,
        conversationKey: message.conversationKey,
        to: message.sender.id,
        ...(message.recipient ? { from: message.recipient } : {}),
        text,
        replyContext: { ...message.replyContext, keywordAnswer: kind },
        inReplyTo: message.id,
      });
      switch (keyword) {
        case "opt_out":
          return answer(SMS_TEXTS[language].optedOut, "fixed");
        case "opt_in":
          return answer(SMS_TEXTS[language].optedIn, "fixed");
        case "help":
          return answer(helpText(channel, language), "fixed");
        case "more": {
          // Empty when an earlier MORE took the last part, or a newer answer fitted whole. Nothing left
          // (or nothing ever cut): say so, in one short text, rather than have the FAQ engine misread
          // "MORE" and open a ticket for it.
          const remainder = await state.get<Remainder>(remainderKey(channel, message.conversationKey));
          return remainder?.text
            ? answer(remainder.text, "remainder")
            : answer(SMS_TEXTS[language].nothingMore, "fixed");
        }
        default:
          throw new ChannelApiError(`no answer for SMS keyword ${String(keyword)}`, { retryable: false });
      }
    },
  };
}

// ---- receiving ------------------------------------------------------------------------------------

export interface SmsInboundDeps {
  channel: SmsChannel;
  state: ChannelStateStore;
  settings: SmsSettings;
  now?: () => Date;
}

/**
 * Decides what happens to one normalised inbound SMS before the queue:
 * - STOP/退订… and START/订阅… update the opt-out list at once (so that no send after them goes out);
 *   their confirmation is queued when Kefu, not the platform, answers keywords;
 * - HELP (when Kefu answers keywords) and MORE are queued as a
 *   keyword event, answered by the channel in the worker with their fixed text;
 *   MORE with nothing left gets a short "nothing more to send";
 * - anything else is queued like any message.
 *
 * The webhook sends nothing itself: every answer goes out from the worker, with its retries and
 * dead-letter queue, and the webhook needs no permission to send. Keyword events are not for the FAQ
 * engine, which would misread them (and might open a ticket for "HELP").
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
  const answer: WebhookOutcome = {
    kind: "enqueue",
    messages: [
      {
        ...message,
        kind: "event",
        event: KEYWORD_EVENT,
        replyContext: { ...message.replyContext, keyword },
      },
    ],
    ack,
  };

  switch (keyword) {
    case "opt_out":
    case "opt_in": {
      const optOut = keyword === "opt_out";
      const outcome = await applyOptKeyword(
        state,
        optOutKey(channel, ours, customer),
        message,
        optOut,
        now(),
      );
      // A replayed or out-of-date keyword changes nothing and is not confirmed again.
      return settings.keywordReplies === "kefu" && (outcome === "applied" || outcome === "retry")
        ? answer
        : respond;
    }
    case "help":
      // Not to an opted-out number (the send would be refused): the platform's own HELP answer covers it.
      return settings.keywordReplies === "kefu" && !optedOut ? answer : respond;
    case "more":
      // Answered by the channel whether or not part of a reply is waiting (keywordAnswer).
      return answer;
  }
}
