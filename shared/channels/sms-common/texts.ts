import type { Channel } from "../../core/message";
import { type ChannelTexts, textsFor } from "../../core/texts";
import type { SmsLanguage } from "./render";

/**
 * The SMS channels' wording of the core's sentences, which their modules contribute: SMS is paid per
 * 70-character segment and read on a phone, so a short disclosure (the answer keeps its room) and a
 * short CSAT question (one segment).
 */
export const SMS_CHANNEL_TEXTS: ChannelTexts = {
  zh: {
    disclosure: "【AI客服】回复“转人工”找真人。",
    csatQuestion: "工单{ticket}已处理。请回复1-5为本次服务评分（5为非常满意）。",
  },
  en: {
    disclosure: "AI assistant here; reply AGENT for a person.",
    csatQuestion: "Ticket {ticket} is resolved. Reply 1-5 to rate our help (5 = very satisfied).",
  },
};

/** The SMS channels' own sentences: keyword answers and the continuation of cut replies. */
export const SMS_TEXTS = {
  en: {
    optOutHint: "Reply STOP to unsubscribe.",
    optedOut: "You're unsubscribed and will get no more messages from us. Reply START to resubscribe.",
    optedIn: "You're subscribed again. Reply HELP for help, STOP to unsubscribe.",
    more: "Reply MORE for the rest",
    nothingMore: "There's nothing more to send. Just text your question any time.",
    moreLink: "More: {url}",
  },
  zh: {
    optOutHint: "回复 TD 退订。",
    optedOut: "您已退订，将不再收到我们的短信。回复“订阅”或 START 可重新订阅。",
    optedIn: "您已重新订阅。回复“帮助”获取帮助，回复 TD 退订。",
    more: "回复 MORE 查看更多",
    nothingMore: "没有更多内容了。有问题请直接发短信给我们。",
    moreLink: "更多：{url}",
  },
} as const;

/** HELP: who answers (the AI disclosure, which also says how to reach a person) and how to opt out. */
export function helpText(channel: Channel, language: SmsLanguage): string {
  return `${textsFor(language, channel, { [channel]: SMS_CHANNEL_TEXTS }).disclosure} ${SMS_TEXTS[language].optOutHint}`;
}

export function continuationText(language: SmsLanguage, moreUrl?: string): string {
  return moreUrl ? SMS_TEXTS[language].moreLink.replace("{url}", moreUrl) : SMS_TEXTS[language].more;
}
