import type { Channel } from "./message";
import type { Language } from "./text";

/**
 * Every customer-facing sentence the core writes itself (as opposed to approved FAQ answers), in one
 * place, in Chinese and English, so wording reviews and translations touch one file.
 */

export interface Texts {
  /** Prefixed to the first bot reply of a conversation: customers must know they talk to an AI. */
  disclosure: string;
  /** Sent on hand-off; `{ticket}` is replaced by the ticket number. */
  handoff: string;
  /** Clarify prompt: header, one line per option ("1. …"), footer. */
  clarifyHeader: string;
  clarifyFooter: string;
  /** Reply to images, voice, files… while only text is understood. */
  mediaUnsupported: string;
}

export const DEFAULT_TEXTS: Record<Language, Texts> = {
  zh: {
    disclosure: "您好，我是智能客服助手（AI），会尽力解答您的问题；需要人工时请回复“转人工”。",
    handoff: "已为您转接人工客服，工单号 {ticket}。客服人员会尽快回复您，请稍候。",
    clarifyHeader: "您是想问：",
    clarifyFooter: "请回复序号。",
    mediaUnsupported: "抱歉，我目前只能处理文字消息，请用文字描述您的问题。",
  },
  en: {
    disclosure:
      "Hi, I'm an AI assistant. I'll do my best to help; reply \"agent\" at any time to reach a person.",
    handoff:
      "I've passed your conversation to our team (ticket {ticket}). A person will reply as soon as possible.",
    clarifyHeader: "Did you mean:",
    clarifyFooter: "Reply with a number.",
    mediaUnsupported: "Sorry, I can only read text for now. Please describe your question in words.",
  },
};

/** One channel's wording, per language: anything missing falls back to the defaults. */
export type ChannelTexts = Partial<Record<Language, Partial<Texts>>>;

/** Per-channel overrides, e.g. a shorter disclosure for SMS. Partial: anything missing falls back. */
export type TextOverrides = Partial<Record<Channel, ChannelTexts>> & { default?: ChannelTexts };

export function textsFor(language: Language, channel?: Channel, overrides: TextOverrides = {}): Texts {
  return {
    ...DEFAULT_TEXTS[language],
    ...overrides.default?.[language],
    ...(channel ? overrides[channel]?.[language] : undefined),
  };
}

/**
 * The operators' overrides over the channels' own wording (a channel module may bring some: SMS brings a
 * short disclosure). Precedence, lowest first: the defaults, the channel's wording, the operators'
 * `default`, the operators' wording for that channel.
 */
export function withChannelTexts(
  overrides: TextOverrides,
  channelTexts: Partial<Record<Channel, ChannelTexts>>,
): TextOverrides {
  const merged: TextOverrides = { ...overrides };
  for (const channel of Object.keys(channelTexts) as Channel[]) {
    const own = channelTexts[channel] ?? {};
    const languages = new Set([
      ...Object.keys(own),
      ...Object.keys(overrides[channel] ?? {}),
    ]) as Set<Language>;
    merged[channel] = Object.fromEntries(
      [...languages].map((language) => [
        language,
        { ...own[language], ...overrides.default?.[language], ...overrides[channel]?.[language] },
      ]),
    );
  }
  return merged;
}

/** True when the bot has not replied in this conversation yet (the disclosure goes on this reply). */
export function isFirstReply(history: { role: string }[]): boolean {
  return !history.some((t) => t.role === "bot");
}

/** Prefixes the disclosure to a reply when it is the conversation's first bot reply. */
export function withDisclosure(
  reply: string,
  opts: { language: Language; firstReply: boolean; channel?: Channel; overrides?: TextOverrides },
): string {
  if (!opts.firstReply) return reply;
  const { disclosure } = textsFor(opts.language, opts.channel, opts.overrides);
  return disclosure === "" ? reply : `${disclosure}\n${reply}`;
}

export function handoffText(
  language: Language,
  ticket: string,
  channel?: Channel,
  overrides?: TextOverrides,
): string {
  return textsFor(language, channel, overrides).handoff.replaceAll("{ticket}", ticket);
}

export function clarifyText(
  language: Language,
  questions: string[],
  channel?: Channel,
  overrides?: TextOverrides,
): string {
  const t = textsFor(language, channel, overrides);
  const lines = questions.map((q, i) => `${i + 1}. ${q}`);
  return [t.clarifyHeader, ...lines, t.clarifyFooter].join("\n");
}

export function mediaUnsupportedText(
  language: Language,
  channel?: Channel,
  overrides?: TextOverrides,
): string {
  return textsFor(language, channel, overrides).mediaUnsupported;
}
