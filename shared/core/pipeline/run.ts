import type { Conversation, Turn } from "../conversation";
import type { Deadline } from "../deadline";
import type { InboundMessage, OutboundMessage } from "../message";
import type { Language } from "../text";
import type { WrittenLanguage } from "../understanding/language";
import type { PipelineDeps } from "./ports";

/**
 * One message on its way through the pipeline: what every step reads (the message, the conversation as
 * loaded, the customer's redacted text and language) and the little each step leaves for the next.
 */
export interface Run {
  message: InboundMessage;
  deps: PipelineDeps;
  deadline: Deadline;
  /** messageKey() of the message: the outbox and the ticket's turn are keyed by it. */
  key: string;
  now: Date;
  /** `now` as an ISO string: the time of the bot's turn. */
  at: string;
  /** The conversation as loaded (or new); steps change it in place before it is recorded. */
  conversation: Conversation;
  /** The customer's text, trimmed and with personal data masked; "" for media and events. */
  customerText: string;
  /** The language the bot replies in: the message's, or the conversation's when it does not write that one. */
  language: Language;
  /** The language the message is written in, when the bot does not write it ("ja", "fr"…). */
  unsupportedLanguage?: WrittenLanguage;
  /** The customer's turn to record; none for media and events. */
  customerTurn: Turn | undefined;
  /** Set when a reply went out but its outbox record could not be written (the store's error name). */
  unrecorded?: string;
}

/** The reply to the message's sender, on the channel and in the thread it came from. */
export function replyTo(run: Run, text: string): OutboundMessage {
  const { message } = run;
  return {
    channel: message.channel,
    conversationKey: message.conversationKey,
    to: message.sender.id,
    ...(message.recipient ? { from: message.recipient } : {}),
    text,
    replyContext: message.replyContext,
    inReplyTo: message.id,
  };
}

/** Prefixes the AI disclosure when the customer has not been told yet. */
export function withDisclosure(run: Run, text: string): string {
  return run.conversation.disclosed
    ? text
    : `${run.deps.texts.disclosure(run.message.channel, run.language)}\n${text}`;
}
