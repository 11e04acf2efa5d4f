import { createHash } from "node:crypto";
import type { Conversation, ConversationStore } from "../stores/conversations";
import { newConversation } from "../stores/conversations";
import { isOpen, type Ticket, type TicketStore } from "../stores/tickets";
import type { AnswerEngine, Decision, HandoffReason, Turn } from "./engine";
import { ChannelApiError } from "./errors";
import { type Channel, type InboundMessage, KEYWORD_EVENT, type OutboundMessage } from "./message";
import { redactPersonalData } from "./redact";

/**
 * The worker's core, channel-agnostic: load the conversation → is a human on it? → redact → decide
 * (answer | clarify | hand off) → send → record turn and ticket. Everything with side effects comes in
 * through `PipelineDeps`, so the whole flow is tested without AWS.
 */

export type Language = "zh" | "en";

/** The bot's fixed sentences, per channel and language (configurable). */
export interface ReplyTexts {
  /** Says the customer is talking to an AI; prefixed to the first reply of a conversation. */
  disclosure(channel: Channel, language: Language): string;
  /** Greeting on subscribe / session start; includes the disclosure. */
  welcome(channel: Channel, language: Language): string;
  /** Tells the customer a person will follow up, with the ticket number. */
  handoff(ticketId: string, language: Language, channel: Channel): string;
  /** Polite answer to images, voice and files while Kefu reads text only. */
  mediaUnsupported(language: Language, channel: Channel): string;
}

export interface HandoffNotice {
  ticket: Ticket;
}

export interface PipelineDeps {
  conversations: ConversationStore;
  tickets: TicketStore;
  /** The engine for the current knowledge-base version. */
  engine(): Promise<AnswerEngine>;
  /** Renders and delivers through the message's channel; throws when the platform refuses. */
  send(message: OutboundMessage): Promise<void>;
  /** Optional: tells the platform a person takes over (WeCom 微信客服 session state). */
  handoffChannel?(message: OutboundMessage, ticketId: string): Promise<void>;
  /** Has the message's channel answer a keyword its webhook queued (KEYWORD_EVENT: SMS HELP, MORE…). */
  answerKeyword(message: InboundMessage): Promise<void>;
  /** Alerts human agents of a new ticket. Failure to alert must not lose the ticket. */
  notifyAgents(notice: HandoffNotice): Promise<void>;
  texts: ReplyTexts;
  detectLanguage(text: string): Language;
  now(): Date;
}

export type PipelineOutcome =
  | { action: "answered"; faqIds: string[]; confidence: number }
  | { action: "clarified"; options: string[] }
  | { action: "handed_off"; reason: HandoffReason; ticketId: string; platformHandoffError?: string }
  | { action: "resumed"; ticketId?: string }
  | { action: "silent"; ticketId: string }
  | { action: "welcomed" }
  | { action: "media_declined" }
  | { action: "keyword_answered" }
  | { action: "ignored"; why: string }
  | { action: "duplicate" }
  /** The platform refused the reply for good (customer unsubscribed, out of the reply window…). */
  | { action: "undeliverable"; error: string };

/** Events that open a conversation and deserve a greeting. */
const GREETING_EVENTS = new Set(["subscribe", "enter_session", "enter_chat"]);

export async function processMessage(message: InboundMessage, deps: PipelineDeps): Promise<PipelineOutcome> {
  // A channel keyword with a fixed answer (SMS HELP, MORE, STOP/START confirmations): the channel sends
  // it, never the FAQ engine, and whoever is on the conversation (a STOP confirmation is owed during a
  // hand-off too). Not a turn of the conversation; the channel answers each keyword message once.
  if (message.kind === "event" && message.event === KEYWORD_EVENT) {
    try {
      await deps.answerKeyword(message);
    } catch (error) {
      if (error instanceof ChannelApiError && !error.retryable) {
        return { action: "undeliverable", error: error.message };
      }
      throw error;
    }
    return { action: "keyword_answered" };
  }

  const now = deps.now();
  const existing = await deps.conversations.get(message.conversationKey);
  const conversation: Conversation =
    existing ??
    newConversation({
      conversationKey: message.conversationKey,
      channel: message.channel,
      customerId: message.sender.id,
      now,
    });

  // SQS is at-least-once: a message whose reply was already sent and recorded is not answered again.
  if (conversation.processedIds.includes(message.id)) return { action: "duplicate" };

  const { text: customerText } = redactPersonalData(message.text.trim());
  const language = deps.detectLanguage(customerText || conversation.turns.at(-1)?.text || "");
  const at = now.toISOString();
  const customerTurn: Turn | undefined = customerText
    ? { role: "customer", text: customerText, at }
    : undefined;

  const reply = (text: string): OutboundMessage => ({
    channel: message.channel,
    conversationKey: message.conversationKey,
    to: message.sender.id,
    ...(message.recipient ? { from: message.recipient } : {}),
    text,
    replyContext: message.replyContext,
    inReplyTo: message.id,
  });

  /**
   * Sends, or reports a refusal that retrying cannot fix (the customer left, the reply window closed):
   * that message is recorded as handled instead of going round the queue into the dead-letter queue.
   * Retryable failures throw, so the message stays on the queue and nothing is recorded as sent.
   */
  const deliver = async (out: OutboundMessage): Promise<string | undefined> => {
    try {
      await deps.send(out);
      return undefined;
    } catch (error) {
      if (error instanceof ChannelApiError && !error.retryable) return error.message;
      throw error;
    }
  };

  const record = async (botText: string | undefined, changes: Partial<Conversation> = {}) => {
    const turns = [...conversation.turns];
    if (customerTurn) turns.push(customerTurn);
    if (botText) turns.push({ role: "bot", text: botText, at });
    await deps.conversations.save(
      { ...conversation, ...changes, turns, processedIds: [...conversation.processedIds, message.id] },
      now,
    );
  };

  // The platform says the person is done (a WeCom 微信客服 session closed): the bot takes over again.
  if (message.kind === "event" && message.event === "session_closed") {
    const ticketId = conversation.openTicketId;
    if (ticketId) await deps.tickets.resolve(ticketId, now);
    await record(undefined, { openTicketId: undefined });
    return { action: "resumed", ...(ticketId ? { ticketId } : {}) };
  }

  // A person is on this conversation: stay silent, and give them what the customer says.
  if (conversation.openTicketId) {
    const ticket = await deps.tickets.get(conversation.openTicketId);
    if (isOpen(ticket) && ticket) {
      if (customerTurn) await deps.tickets.append(ticket.ticketId, customerTurn, now);
      await record(undefined);
      return { action: "silent", ticketId: ticket.ticketId };
    }
    conversation.openTicketId = undefined;
  }

  if (message.kind === "event") {
    if (!message.event || !GREETING_EVENTS.has(message.event)) {
      await record(undefined);
      return { action: "ignored", why: `event ${message.event ?? "unknown"}` };
    }
    const welcome = deps.texts.welcome(message.channel, language);
    const refused = await deliver(reply(welcome));
    await record(refused ? undefined : welcome, { disclosed: !refused });
    return refused ? { action: "undeliverable", error: refused } : { action: "welcomed" };
  }

  const withDisclosure = (text: string) =>
    conversation.disclosed ? text : `${deps.texts.disclosure(message.channel, language)}\n${text}`;

  if (!customerText) {
    const text = withDisclosure(deps.texts.mediaUnsupported(language, message.channel));
    const refused = await deliver(reply(text));
    await record(refused ? undefined : text, { disclosed: conversation.disclosed || !refused });
    return refused ? { action: "undeliverable", error: refused } : { action: "media_declined" };
  }

  const engine = await deps.engine();
  const { decision, candidates, usage } = await engine.decide({
    text: customerText,
    history: conversation.turns,
    language,
    ...(conversation.pendingClarification ? { pendingClarification: conversation.pendingClarification } : {}),
  });

  // Model tokens are accounted per conversation (cost reports), in the same write as the turn.
  if (usage) {
    conversation.tokenUsage = {
      inputTokens: (conversation.tokenUsage?.inputTokens ?? 0) + usage.inputTokens,
      outputTokens: (conversation.tokenUsage?.outputTokens ?? 0) + usage.outputTokens,
    };
  }

  if (decision.kind === "handoff") {
    const ticket = await deps.tickets.create({
      // Derived from the message, so a retried message finds the ticket it already opened.
      ticketId: ticketIdFor(message),
      conversationKey: message.conversationKey,
      channel: message.channel,
      customerId: message.sender.id,
      replyTo: {
        ...(message.recipient ? { from: message.recipient } : {}),
        replyContext: message.replyContext,
      },
      reason: decision.reason,
      priority: decision.priority,
      ...(decision.detail ? { detail: decision.detail } : {}),
      status: "open",
      transcript: customerTurn ? [...conversation.turns, customerTurn] : conversation.turns,
      candidates,
      createdAt: at,
      updatedAt: at,
    });
    const text = withDisclosure(deps.texts.handoff(ticket.ticketId, language, message.channel));
    const refused = await deliver(reply(text));
    // Moving the platform's session to a person is best effort: the ticket and the customer's notice
    // already stand, and retrying the message would send the notice twice.
    let platformHandoffError: string | undefined;
    if (!refused) {
      await deps.handoffChannel?.(reply(text), ticket.ticketId).catch((error: Error) => {
        platformHandoffError = error.message;
      });
    }
    // The ticket stands even when the customer can't be told: an agent may reach them another way.
    await record(refused ? undefined : text, {
      disclosed: conversation.disclosed || !refused,
      openTicketId: ticket.ticketId,
      pendingClarification: undefined,
    });
    await deps.notifyAgents({ ticket }).catch(() => {
      // The ticket is stored and listed by status; a missed alert is visible on the desk and in metrics.
    });
    return {
      action: "handed_off",
      reason: decision.reason,
      ticketId: ticket.ticketId,
      ...(platformHandoffError ? { platformHandoffError } : {}),
    };
  }

  const text = withDisclosure(decision.text);
  const refused = await deliver(reply(text));
  await record(refused ? undefined : text, {
    disclosed: conversation.disclosed || !refused,
    pendingClarification: !refused && decision.kind === "clarify" ? decision.options : undefined,
  });
  return refused ? { action: "undeliverable", error: refused } : outcomeOf(decision);
}

function outcomeOf(decision: Exclude<Decision, { kind: "handoff" }>): PipelineOutcome {
  return decision.kind === "answer"
    ? { action: "answered", faqIds: decision.faqIds, confidence: decision.confidence }
    : { action: "clarified", options: decision.options.map((o) => o.faqId) };
}

/** A short ticket number a customer can read out: KF- plus 8 base-32 characters of the message hash. */
export function ticketIdFor(message: Pick<InboundMessage, "channel" | "id">): string {
  const digest = createHash("sha256").update(`${message.channel}#${message.id}`).digest();
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let id = "";
  for (let i = 0; i < 8; i++) id += alphabet[(digest[i] ?? 0) % 32];
  return `KF-${id}`;
}
