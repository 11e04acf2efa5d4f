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
  /** Opens the hand-off of an angry customer. */
  apology: string;
  /** Answer to a greeting; `{topics}` is replaced by a few of the knowledge base's categories. */
  greeting: string;
  /** Answer to a greeting when the knowledge base has no categories. */
  greetingPlain: string;
  /** Answer to thanks. */
  thanks: string;
  /** Answer to a goodbye. */
  goodbye: string;
  /** Answer to "ok", "好的", "got it". */
  ack: string;
  /** Answer to "are you a bot?": honest, and how to reach a person. */
  identity: string;
  /** Answer to a message with no words ("？？？", "123456"); `{topics}` as in `greeting`. */
  unclear: string;
  /** The same when the knowledge base has no categories to list. */
  unclearPlain: string;
  /** First off-topic message: what the bot can help with; `{topics}` as in `greeting`. */
  outOfScope: string;
  /** The same when the knowledge base has no categories to list. */
  outOfScopePlain: string;
  /** Second off-topic message in a row: offers a person (a ticket only if the customer accepts). */
  offerHandoff: string;
  /**
   * The customer said none of the offered entries is what they meant ("都不是", "none of these"): asks
   * for other words and offers a person (a ticket only if the customer accepts).
   */
  optionsRejected: string;
  /** The customer said no to the person offered ("不用了", "no thanks"): the bot is still there. */
  offerDeclined: string;
  /** One line before a reply to a message in a language the bot does not write. */
  languageNotice: string;
  /**
   * A message in a language the bot does not write that it cannot answer: says so and offers a person
   * (a ticket only if the customer accepts), so that such a customer is never left without one.
   */
  languageOffer: string;
  /** Said instead of a reply that quality inspection blocked (pipeline/inspect.ts). */
  inspectionFallback: string;
  /**
   * Asked when a ticket is resolved: rate the help 1–5 (shared/core/desk/csat.ts reads the answer); `{ticket}`
   * is replaced by the ticket number. Operators word it in KEFU_CSAT_TEXTS, over this.
   */
  csatQuestion: string;
  /** Answer to the customer's CSAT rating of a resolved ticket (sent once, for the rating recorded). */
  csatThanks: string;
}

export const DEFAULT_TEXTS: Record<Language, Texts> = {
  zh: {
    disclosure: "您好，我是智能客服助手（AI），会尽力解答您的问题；需要人工时请回复“转人工”。",
    handoff: "已为您转接人工客服，工单号 {ticket}。客服人员会尽快回复您，请稍候。",
    clarifyHeader: "您是想问：",
    clarifyFooter: "请回复序号。",
    mediaUnsupported: "抱歉，我目前只能处理文字消息，请用文字描述您的问题。",
    apology: "非常抱歉给您带来了不好的体验。",
    greeting: "您好！我可以帮您解答{topics}等方面的问题，请直接告诉我您想了解什么。",
    greetingPlain: "您好！请直接告诉我您想了解什么。",
    thanks: "不客气！还有其他问题随时找我。",
    goodbye: "再见，祝您生活愉快！",
    ack: "好的，还有其他问题随时告诉我。",
    identity: "我是智能客服助手（AI），不是真人。需要人工客服时，请回复“转人工”。",
    unclear: "抱歉，我没看明白。请用文字描述一下您的问题，我可以帮您解答{topics}等方面的问题。",
    unclearPlain: "抱歉，我没看明白。请用文字描述一下您的问题。",
    outOfScope: "抱歉，这个问题超出了我能解答的范围。我可以帮您解答{topics}等方面的问题。",
    outOfScopePlain: "抱歉，这个问题超出了我能解答的范围。我可以解答关于本店商品、订单和服务的问题。",
    offerHandoff: "这个问题我帮不上忙。需要为您转接人工客服吗？回复“是”即可转接。",
    optionsRejected: "抱歉没能理解您的意思。您可以换个说法再问一次；需要人工客服的话，回复“是”即可转接。",
    offerDeclined: "好的，不为您转接。还有其他问题可以随时问我。",
    languageNotice: "抱歉，我目前只能用中文和英文回复。",
    languageOffer: "抱歉，我目前只能用中文和英文回复。需要为您转接人工客服吗？回复“是”即可转接。",
    inspectionFallback: "抱歉，这个问题我暂时无法回答。如需人工客服，请回复“转人工”。",
    csatQuestion:
      "您的工单 {ticket} 已处理完毕。请回复 1–5 为本次人工服务打分（5 = 非常满意，1 = 非常不满意），也可以在分数后附上您的意见。",
    csatThanks: "感谢您的评价！还有其他问题随时找我。",
  },
  en: {
    disclosure:
      "Hi, I'm an AI assistant. I'll do my best to help; reply \"agent\" at any time to reach a person.",
    handoff:
      "I've passed your conversation to our team (ticket {ticket}). A person will reply as soon as possible.",
    clarifyHeader: "Did you mean:",
    clarifyFooter: "Reply with a number.",
    mediaUnsupported: "Sorry, I can only read text for now. Please describe your question in words.",
    apology: "I'm sorry about this, and I understand your frustration.",
    greeting: "Hello! I can help with questions about {topics}. What would you like to know?",
    greetingPlain: "Hello! What would you like to know?",
    thanks: "You're welcome! Message me any time if you need anything else.",
    goodbye: "Goodbye, have a great day!",
    ack: "Great. Let me know if there's anything else.",
    identity: 'I\'m an AI assistant, not a person. Reply "agent" at any time to reach one of our team.',
    unclear: "Sorry, I didn't get that. Please tell me your question in words; I can help with {topics}.",
    unclearPlain: "Sorry, I didn't get that. Please tell me your question in words.",
    outOfScope: "Sorry, that's outside what I can help with. I can answer questions about {topics}.",
    outOfScopePlain:
      "Sorry, that's outside what I can help with. I can answer questions about our products, orders and service.",
    offerHandoff:
      'I can\'t help with that one. Would you like me to pass you to a person? Reply "yes" and I will.',
    optionsRejected:
      'Sorry I didn\'t get it. You can ask again in other words, or reply "yes" and I will pass you to a person.',
    offerDeclined: "OK, I won't pass you on. Ask me anything else any time.",
    languageNotice: "Sorry, I can only reply in English and Chinese for now.",
    languageOffer:
      'Sorry, I can only reply in English and Chinese for now. Would you like a person to help you? Reply "yes" and I will pass you on.',
    inspectionFallback: 'Sorry, I can\'t answer that one right now. Reply "agent" to reach a person.',
    csatQuestion:
      "Your ticket {ticket} is resolved. Please reply with a score from 1 to 5 for the help you got (5 = very satisfied, 1 = very dissatisfied); you may add a comment after the score.",
    csatThanks: "Thank you for your rating! Message me any time if you need anything else.",
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

/** The sentences the pipeline says by name (everything in `Texts` but the clarify frame). */
export type SentenceName = Exclude<keyof Texts, "clarifyHeader" | "clarifyFooter">;

/** A fixed sentence with its `{name}` placeholders filled in. */
export function sentence(
  name: SentenceName,
  language: Language,
  channel?: Channel,
  overrides?: TextOverrides,
  vars: Record<string, string> = {},
): string {
  return textsFor(language, channel, overrides)[name].replace(
    /\{(\w+)\}/g,
    (all, key: string) => vars[key] ?? all,
  );
}

/** "订单、物流配送和发票" / "orders, shipping and invoices". */
export function listTopics(language: Language, topics: string[]): string {
  if (topics.length <= 1) return topics[0] ?? "";
  const head = topics.slice(0, -1).join(language === "zh" ? "、" : ", ");
  return `${head}${language === "zh" ? "和" : " and "}${topics.at(-1)}`;
}
