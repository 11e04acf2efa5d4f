import { randomUUID } from "node:crypto";
import type { Turn } from "../conversation";
import type { SendOptions } from "../delivery";
import { DeliveryUnknownError, NotFoundError } from "../errors";
import type { Channel, InspectionReceipt, OutboundMessage } from "../message";
import { inspectOutgoing, type OutgoingInspection } from "../outgoing";
import type { TicketStore } from "../pipeline/ports";
import { type Inspection, type ShownFinding, shownFindings } from "../quality/inspection";
import { redact } from "../redact";
import { isOpen, type Ticket } from "../ticket";

/**
 * What a human agent does with a ticket: read it, answer the customer through the channel they wrote
 * on (so they never repeat themselves elsewhere), and resolve it, after which the bot answers again.
 */
export interface DeskDeps {
  tickets: TicketStore;
  /** The channels' sender: sends only inspected messages (shared/core/outgoing.ts). */
  send(message: OutboundMessage, options?: SendOptions): Promise<void>;
  /** Inspects a reply that comes without the receipt of an inspection (`npm run desk`, /dev routes). */
  inspection: OutgoingInspection;
  now(): Date;
}

/**
 * An agent's reply broke a blocking quality rule: it was not sent. `findings` are what the desk shows
 * (each rule, its message and the words it matched); the agent rephrases, or sends anyway with a reason
 * (AgentReplyOptions.override).
 */
export class ReplyBlockedError extends Error {
  readonly code = "quality_findings";
  constructor(
    ticketId: string,
    readonly inspection: Inspection,
    readonly findings: ShownFinding[] = [],
  ) {
    super(`the reply on ${ticketId} breaks a blocking quality rule; it was not sent`);
    this.name = "ReplyBlockedError";
  }
}

/**
 * An agent's reply went out but the platform never answered (DeliveryUnknownError): the customer may
 * have it. It is recorded on the ticket (`turn`, marked `delivery: "unknown"`) and not sent again by
 * itself: the agent checks with the customer before sending it a second time.
 */
export class ReplyDeliveryUnknownError extends Error {
  readonly code = "delivery_unknown";
  constructor(
    ticketId: string,
    readonly turn: Turn,
    options: { cause: DeliveryUnknownError },
  ) {
    super(
      `the reply on ${ticketId} went out without an answer from the channel; it may have been delivered`,
      options,
    );
    this.name = "ReplyDeliveryUnknownError";
  }
}

export class TicketClosedError extends Error {
  readonly code = "ticket_resolved";
  constructor(ticketId: string) {
    super(`ticket ${ticketId} is resolved; the bot has the conversation again`);
    this.name = "TicketClosedError";
  }
}

/** How an agent's reply is sent and recorded: who wrote it, from which suggestion, part by part. */
export interface AgentReplyOptions {
  agent?: string;
  suggestion?: Turn["suggestion"];
  /** Delivery progress (the desk records each part in the outbox). */
  send?: SendOptions;
  /**
   * The receipt of the reply's inspection when the caller inspected it (the desk API, with its
   * override and rephrase rules); otherwise it is inspected here and a blocked reply is not sent.
   */
  inspection?: InspectionReceipt;
  /** Send despite blocking findings (inspected here), with the reason the audit trail keeps. */
  override?: { reason: string };
  /**
   * This reply's own id (the desk API's outbox key): it tells the channels one reply from another, so
   * WeCom's duplicate check and 微信客服's msgid never take a second "好的" for a repeat of the first.
   * A new one is made when not given.
   */
  sendId?: string;
}

/** The message an agent's reply on this ticket is: the customer's channel, our account, its routing. */
export function agentMessage(ticket: Ticket, text: string): OutboundMessage {
  return {
    channel: ticket.channel,
    conversationKey: ticket.conversationKey,
    to: ticket.customerId,
    ...(ticket.replyTo?.from ? { from: ticket.replyTo.from } : {}),
    text,
    replyContext: ticket.replyTo?.replyContext ?? {},
  };
}

/**
 * Sends the reply, then records it on the ticket with personal data masked: the turn returned is the
 * one stored. A send whose outcome is unknown is recorded too, marked, and ends in
 * ReplyDeliveryUnknownError.
 */
export async function replyAsAgent(
  ticketId: string,
  text: string,
  deps: DeskDeps,
  options: AgentReplyOptions = {},
): Promise<Turn> {
  const ticket = await deps.tickets.get(ticketId);
  if (!ticket) throw new NotFoundError(`no ticket ${ticketId}`);
  if (!isOpen(ticket)) throw new TicketClosedError(ticketId);
  const sendId = options.sendId ?? `desk#${ticketId}#${randomUUID()}`;
  const message: OutboundMessage = { ...agentMessage(ticket, text), inReplyTo: sendId };
  let unknown: DeliveryUnknownError | undefined;
  try {
    if (options.inspection) {
      await deps.send({ ...message, inspection: options.inspection }, options.send);
    } else {
      const inspected = await inspectOutgoing(deps.inspection, message, {
        messageId: sendId,
        author: "agent",
        at: deps.now(),
        ...(options.agent ? { agent: options.agent } : {}),
        ticketId,
        ...(options.override ? { override: options.override } : {}),
      });
      if ("blocked" in inspected) {
        const { ruleSet, ...blocked } = inspected.blocked;
        throw new ReplyBlockedError(ticketId, blocked, shownFindings(text, blocked.findings, ruleSet));
      }
      await deps.send(inspected.message, options.send);
    }
  } catch (error) {
    // The platform may have the reply: the transcript must show it, or the agent would write it again
    // unaware; one refused or never sent is not recorded.
    if (!(error instanceof DeliveryUnknownError)) throw error;
    unknown = error;
  }
  const now = deps.now();
  // The customer gets what the agent wrote (inspection flags personal data typed in full); the
  // transcript, like everything else stored, keeps it masked.
  const turn: Turn = {
    role: "agent",
    text: redact(text),
    at: now.toISOString(),
    ...(options.agent ? { agent: options.agent } : {}),
    ...(options.suggestion ? { suggestion: options.suggestion } : {}),
    ...(unknown ? { delivery: "unknown" as const } : {}),
  };
  await deps.tickets.append(ticketId, turn, { now });
  if (unknown) throw new ReplyDeliveryUnknownError(ticketId, turn, { cause: unknown });
  return turn;
}

export async function resolveTicket(
  ticketId: string,
  deps: Pick<DeskDeps, "tickets" | "now">,
): Promise<void> {
  const ticket = await deps.tickets.get(ticketId);
  if (!ticket) throw new NotFoundError(`no ticket ${ticketId}`);
  await deps.tickets.resolve(ticketId, deps.now());
}

/** What the desk keeps on a ticket beyond the hand-off itself. */
export interface DeskTicketFields {
  /** The agent holding the ticket (status `assigned`). */
  assignee?: string;
  /** Skill groups the ticket waits for (a transfer sets one). */
  skills?: string[];
  language?: string;
  vip?: boolean;
  reopenedAt?: string;
  /** When each agent last read the ticket, by agent id: customer turns after it are unread. */
  readAt?: Record<string, string>;
}

export type DeskTicket = Ticket & DeskTicketFields;

/** A ticket changed in a way the desk's state does not allow (someone else holds it, it is resolved). */
export class TicketConflictError extends Error {
  constructor(
    readonly code: "already_claimed" | "ticket_resolved",
    ticketId: string,
  ) {
    super(`ticket ${ticketId}: ${code}`);
    this.name = "TicketConflictError";
  }
}

/** The tickets as the desk reads and changes them. Conditional writes: two agents cannot both hold one. */
export interface DeskTicketStore extends TicketStore {
  get(ticketId: string): Promise<DeskTicket | undefined>;
  /** Tickets not resolved (open and assigned), each with its transcript. */
  listUnresolved(limit?: number): Promise<DeskTicket[]>;
  listResolved(limit?: number): Promise<DeskTicket[]>;
  /** The other tickets of the same conversation (the same customer on the same channel), newest first. */
  listByConversation(conversationKey: string, limit?: number): Promise<DeskTicket[]>;
  /** Takes the ticket for `agent`: TicketConflictError when another agent holds it or it is resolved. */
  claim(ticketId: string, agent: string, now: Date): Promise<void>;
  /** A supervisor gives the ticket to `agent`, whoever held it. TicketConflictError when resolved. */
  assign(ticketId: string, agent: string, now: Date): Promise<void>;
  /** Back to the queue, waiting for `skill`. TicketConflictError when resolved. */
  transfer(ticketId: string, skill: string, now: Date): Promise<void>;
  /** Opens a resolved ticket again, held by `agent`. */
  reopen(ticketId: string, agent: string, now: Date): Promise<void>;
  markRead(ticketId: string, agent: string, now: Date): Promise<void>;
  /**
   * One reply at a time per ticket: true when `token` now holds the ticket's reply lease (free, expired,
   * or already its own), so that two agents' replies go out one after the other, never interleaved.
   */
  acquireReplyLease(ticketId: string, token: string, now: Date, ttlMs: number): Promise<boolean>;
  releaseReplyLease(ticketId: string, token: string): Promise<void>;
}

/**
 * The customer's identity on their channel, masked as everywhere else: enough to tell two customers
 * apart, not enough to contact them. `+86 138****1234`, `wx:o6_b…kE`, `l***@example.com`.
 */
export function maskIdentity(channel: Channel, id: string): string {
  if (channel === "sms" || channel === "twilio") {
    const digits = id.replace(/[^\d+]/g, "");
    const cn = /^\+86(\d{3})\d{4}(\d{4})$/.exec(digits);
    if (cn) return `+86 ${cn[1]}****${cn[2]}`;
    return digits.length > 6 ? `${digits.slice(0, 4)}****${digits.slice(-2)}` : "****";
  }
  if (channel === "email") {
    const at = id.lastIndexOf("@");
    return at > 0 ? `${id[0]}***${id.slice(at)}` : "***";
  }
  const prefix = channel === "wechat" || channel === "wecom-kf" ? "wx" : channel === "wecom" ? "wecom" : "dt";
  if (id.length > 8) return `${prefix}:${id.slice(0, 4)}…${id.slice(-2)}`;
  // A short id (a local or test customer: real openIds are 28 characters) keeps its last two, so that
  // two customers are told apart on the queue rather than all showing as "wx:…".
  return id.length > 2 ? `${prefix}:…${id.slice(-2)}` : `${prefix}:…`;
}
