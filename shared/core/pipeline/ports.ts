import type { EventSink } from "../analytics/events";
import type { Conversation, Turn } from "../conversation";
import type { Deadline } from "../deadline";
import type { SendOptions } from "../delivery";
import type { AnswerEngine } from "../engine";
import type { Channel, InboundMessage, OutboundMessage } from "../message";
import type { OutgoingInspection } from "../outgoing";
import type { PickRecorder } from "../picks";
import type { Language } from "../text";
import type { SentenceName } from "../texts";
import type { Ticket, TicketStatus } from "../ticket";

/**
 * The ports of the worker's pipeline: everything with a side effect comes in through these, so the whole
 * flow runs on in-memory fakes in tests. The DynamoDB stores (shared/stores), the channel senders and
 * the SNS notifier implement them; functions/worker wires them.
 */

export interface ConversationStore {
  get(conversationKey: string): Promise<Conversation | undefined>;
  /** Saves the conversation if nobody saved it since it was read; bumps `revision`. */
  save(conversation: Conversation, now?: Date): Promise<Conversation>;
}

export interface TicketStore {
  /** Creates the ticket; creating the same id again (a retried message) keeps the first. */
  create(ticket: Ticket): Promise<Ticket>;
  /** The ticket with its whole transcript. */
  get(ticketId: string): Promise<Ticket | undefined>;
  /** Just the status, without reading the transcript: what the worker checks on every message. */
  status(ticketId: string): Promise<TicketStatus | undefined>;
  /**
   * Adds a turn to an existing ticket. Appending again with the same `id` (a retried message) stores it
   * once; without an id every call adds a turn.
   */
  append(ticketId: string, turn: Turn, options?: { id?: string; now?: Date }): Promise<void>;
  resolve(ticketId: string, now?: Date): Promise<void>;
  /** Newest first, each with its whole transcript. */
  listByStatus(status: TicketStatus, limit?: number): Promise<Ticket[]>;
}

/**
 * The worker's record of a reply on its way out, one per inbound message. Created with the decided plan
 * before its first part is sent, updated as each part is sent — before the conversation and ticket are
 * recorded, which may fail — and read before deciding, so that a redelivered message sends what is left
 * of the same reply, or nothing, never another reply.
 */
export interface OutboxRecord<Plan = unknown> {
  /** messageKey() of the inbound message answered. */
  messageKey: string;
  /** What the worker decided to send and record: a retry sends and records the same reply. */
  plan: Plan;
  /** Parts delivered so far. */
  partsSent: number;
  /** Every part is delivered, or the platform refused the reply for good (`refusal`). */
  done: boolean;
  /** The platform's final refusal, when there was one. */
  refusal?: string;
  /**
   * The part (0-based) whose send got no answer after it went out (DeliveryUnknownError): the platform
   * may have delivered it. The redelivery sends it again (at least once) and says so in its outcome.
   */
  unknownPart?: number;
}

export interface OutboxStore {
  get(messageKey: string): Promise<OutboxRecord | undefined>;
  /** Replaces the record of this message. */
  put(record: OutboxRecord, now?: Date): Promise<void>;
  /**
   * Writes the record only if the message has none yet; returns the record that stands instead when
   * another delivery of the message wrote one first (whose reply is then the one to finish).
   */
  create(record: OutboxRecord, now?: Date): Promise<OutboxRecord | undefined>;
}

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
  /** Any other fixed sentence by name (small talk, scope, apology…), `{placeholders}` filled from `vars`. */
  say(name: SentenceName, language: Language, channel: Channel, vars?: Record<string, string>): string;
}

export interface HandoffNotice {
  ticket: Ticket;
}

/**
 * The desk's rules as the worker applies them (functions/worker/wiring.ts builds them from
 * shared/core/desk/ticket-care.ts); without them tickets carry no skills or SLA and a resolve is final.
 */
export interface DeskHooks {
  /** The desk's fields of a new ticket: language, skills, VIP flag, SLA due times and clock. */
  classify(input: {
    message: InboundMessage;
    language: Language;
    reason: string;
    priority: Ticket["priority"];
    candidates: Ticket["candidates"];
    openedAt: Date;
  }): Partial<Pick<Ticket, "language" | "skills" | "vip" | "sla" | "slaClock" | "slaNextDueAt" | "priority">>;
  /**
   * A customer message on the conversation of a resolved ticket: a rating is recorded, another message
   * within the reopen window reopens the ticket; `closed` gives the conversation back to the bot.
   */
  afterResolve(
    ticketId: string,
    customerText: string,
    now: Date,
  ): Promise<{ kind: "rated" | "rated_before" | "reopened" | "closed" }>;
}

/**
 * Quality inspection of every reply before it is sent (pipeline/inspect.ts): the rule set in force, the
 * audit trail, and what the bot does with an answer or clarify that a blocking rule stops.
 */
export interface PipelineInspection extends OutgoingInspection {
  /** A blocked answer or clarify: hand off to a person, or say the safe sentence (`inspectionFallback`). */
  fallback: "handoff" | "safe_answer";
}

export interface PipelineDeps {
  /** Routing, SLA and CSAT rules (optional: tests of the bot alone leave them out). */
  desk?: DeskHooks;
  conversations: ConversationStore;
  tickets: TicketStore;
  /** Replies sent per inbound message, part by part: a redelivered message never sends one again. */
  outbox: OutboxStore;
  /** The engine for the current knowledge-base version. */
  engine(): Promise<AnswerEngine>;
  /**
   * Renders and delivers through the message's channel, reporting each part as it is sent; throws when
   * the platform refuses. Refuses a message without the receipt of its inspection (core/outgoing.ts).
   */
  send(message: OutboundMessage, options?: SendOptions): Promise<void>;
  /** Optional: tells the platform a person takes over (WeCom 微信客服 session state). */
  handoffChannel?(message: OutboundMessage, ticketId: string, options?: SendOptions): Promise<void>;
  /**
   * The channel's answer to a keyword its webhook queued (KEYWORD_EVENT: SMS HELP, MORE…), to inspect
   * and `send`; undefined when the channel answered that message already.
   */
  keywordAnswer(message: InboundMessage): Promise<OutboundMessage | undefined>;
  /** Alerts human agents of a new ticket. Failure to alert must not lose the ticket. */
  notifyAgents(notice: HandoffNotice, options?: { deadline?: Deadline }): Promise<void>;
  texts: ReplyTexts;
  /** Every reply is inspected before it is sent, and the inspection recorded. */
  inspection: PipelineInspection;
  /** Analytics events of each handled message (best effort: recording never throws). */
  analytics?: EventSink;
  /**
   * Clarify picks answered, for the supervisors' suggestions (core/picks.ts; best effort: recording never
   * throws, and runs after the answer went out).
   */
  picks?: PickRecorder;
  detectLanguage(text: string): Language;
  now(): Date;
}
