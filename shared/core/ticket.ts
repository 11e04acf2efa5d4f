import { createHash } from "node:crypto";
import type { Turn } from "./conversation";
import type { HandoffReason, TicketPriority } from "./engine";

export type { TicketPriority };

import type { Priority } from "./desk/routing";
import type { TicketSla } from "./desk/sla";
import type { Candidate } from "./faq";
import type { Channel, InboundMessage } from "./message";

export type TicketStatus = "open" | "assigned" | "resolved";

/** A hand-off to a person, with everything they need so the customer never repeats themselves. */
export interface Ticket {
  ticketId: string;
  conversationKey: string;
  channel: Channel;
  customerId: string;
  /** Where an agent's reply goes: our account the customer wrote to and the channel's routing data. */
  replyTo?: { from?: string; replyContext: Record<string, string> };
  reason: HandoffReason;
  /** Set by the decision (normal, high); an SLA breach raises it a step (shared/core/desk/sla.ts). */
  priority: Priority;
  detail?: string;
  status: TicketStatus;
  /** The customer's language when the ticket opened (routing and the CSAT question use it). */
  language?: string;
  /** The skills an agent needs to take this ticket (shared/core/desk/routing.ts). */
  skills?: string[];
  vip?: boolean;
  /** The agent holding the ticket (status `assigned`). */
  assignee?: string;
  /** Due times and breaches (shared/core/desk/sla.ts). */
  sla?: TicketSla;
  /**
   * The SLA clock's index (stores/ticket-desk.ts): `running` and the next due time while a deadline
   * runs, absent otherwise.
   */
  slaClock?: "running";
  slaNextDueAt?: string;
  /** The customer's rating after the resolve, and when they were asked for it. */
  csat?: { score: 1 | 2 | 3 | 4 | 5; comment?: string; at: string };
  csatAskedAt?: string;
  reopenedAt?: string;
  /**
   * The whole exchange (redacted), oldest first: the conversation as the bot remembered it when the
   * ticket opened, then every turn since — the customer's messages and the agents' replies.
   */
  transcript: Turn[];
  /** Older turns of the conversation the bot no longer remembered when the ticket opened. */
  omittedTurns?: number;
  /**
   * The customer's question, when the message that opened the ticket is not it: a "yes" to the person
   * offered for it (HandoffOffer). The desk shows it as the ticket's subject; the learning loop counts it.
   */
  question?: string;
  /** What retrieval found, with scores, so the agent sees what the bot considered. */
  candidates: TicketCandidate[];
  createdAt: string;
  updatedAt: string;
  resolvedAt?: string;
}

/**
 * A candidate on a ticket. `rejectedByCustomer`: the bot offered this entry and the customer said none of
 * the entries offered was meant (its score is then 0: the offer kept no scores).
 */
export type TicketCandidate = Candidate & { rejectedByCustomer?: true };

export function isOpen(ticket: Ticket | undefined): boolean {
  return !!ticket && ticket.status !== "resolved";
}

/** A short ticket number a customer can read out: KF- plus 8 base-32 characters of the message hash. */
export function ticketIdFor(message: Pick<InboundMessage, "channel" | "id">): string {
  const digest = createHash("sha256").update(`${message.channel}#${message.id}`).digest();
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let id = "";
  for (let i = 0; i < 8; i++) id += alphabet[(digest[i] ?? 0) % 32];
  return `KF-${id}`;
}

/**
 * A ticket number as an agent types it: `kf-abc12345`, ` KF-ABC12345 `. Ticket ids are `KF-` and upper-case
 * base-32 (ticketIdFor), so case and surrounding blanks are not part of the id.
 */
export function normalizeTicketId(input: string): string {
  return input.trim().toUpperCase();
}
