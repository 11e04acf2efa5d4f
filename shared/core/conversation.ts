import type { Channel } from "./message";
import { cutToBytes } from "./render";

/** One turn of a conversation as the core records it. */
export interface Turn {
  /**
   * `note` (agents' internal notes) and `system` (desk events: an SLA breach, a reopen, a rating, a
   * reveal) exist on tickets only, never sent to anyone.
   */
  role: "customer" | "bot" | "agent" | "note" | "system";
  text: string;
  at: string;
  /** Bytes of the text that were not kept (stores cap what one item may hold); absent when whole. */
  omittedBytes?: number;
  /** The agent who wrote an `agent` or `note` turn. */
  agent?: string;
  /** The suggestion an agent's reply started from, and whether they edited it. */
  suggestion?: { kind: "faq" | "model"; id?: string; edited: boolean };
  /**
   * Absent when the send was confirmed. `unknown`: an agent's reply whose send got no answer after it
   * went out (DeliveryUnknownError), so the customer may or may not have it. `refused`: the bot's
   * hand-off notice, which the platform refused for good (the reply window closed, the customer left),
   * so the customer was not told.
   */
  delivery?: "unknown" | "refused";
}

/** The last FAQ exchange of a conversation: what the customer asked and the entries answered or offered. */
export interface Topic {
  /** The customer's question as the engine read it (a follow-up is stored joined to its antecedent). */
  question: string;
  faqIds: string[];
  /**
   * The customer's own (masked) words, when `question` is not them: a follow-up joined to its antecedent
   * or a rewritten query. A clarify pick records these, so that a wording taught to one entry never
   * carries another entry's question inside it.
   */
  said?: string;
}

/**
 * What a person was offered for (Conversation.handoffOffered): the customer's question in their own
 * words and, when they said none of the offered entries was meant ("都不是"), those entries. A "yes" puts
 * both on the ticket, so the agent reads the question rather than the "yes", and the question counts as
 * unanswered for the learning loop.
 */
export interface HandoffOffer {
  question: string;
  rejected?: { faqId: string; question: string }[];
}

/** What the worker remembers of one conversation. History is redacted before it is stored. */
export interface Conversation {
  conversationKey: string;
  channel: Channel;
  customerId: string;
  /** Recent turns, oldest first, as kept by `keepHistory`. */
  turns: Turn[];
  /** How many older turns were dropped from `turns` over the conversation's life. */
  omittedTurns?: number;
  /** Whether the customer has been told they are talking to an AI. */
  disclosed: boolean;
  /** The ticket a person is working on; while it is open the bot stays silent. */
  openTicketId?: string;
  /** The options of the last clarifying question, so that "1"/"2"/"3" can pick one. */
  pendingClarification?: { faqId: string; question: string }[];
  /**
   * The last FAQ question the bot answered or offered entries for, so that a follow-up ("那澳门呢") can be
   * read with it; cleared by an off-topic message or a hand-off.
   */
  topic?: Topic;
  /** Off-topic messages in a row (reset by anything the bot answers or hands off). */
  offTopicStreak?: number;
  /** The bot's last reply offered a person: a "yes" to it opens a ticket. */
  handoffOffered?: boolean;
  /** What that person was offered for; kept as long as handoffOffered. */
  offeredFor?: HandoffOffer;
  /** Inbound message ids already handled, newest last: a redelivered message is not answered twice. */
  processedIds: string[];
  tokenUsage?: { inputTokens: number; outputTokens: number };
  /** The analytics session the latest customer message belongs to (shared/core/pipeline/analytics.ts). */
  analytics?: {
    /** When the session started: with the conversation key, what its keyed id is made of. */
    startedAt?: string;
    lastMessageAt: string;
    /** Before the keyed ids: the session's id (read no more; the session goes on from lastMessageAt). */
    conversation?: string;
  };
  createdAt: string;
  updatedAt: string;
  /** Optimistic-lock counter: the agents' desk and the worker may both write. */
  revision: number;
}

/**
 * What the conversation item keeps of the history, so it stays far below DynamoDB's 400 KB item limit
 * however long the customer's messages are: the last MAX_TURNS turns, each cut to HISTORY_TURN_MAX_BYTES,
 * and of those only the newest that fit in HISTORY_MAX_BYTES together. The history is context for the
 * engine (which reads a few recent turns); the whole exchange of a hand-off is on its ticket.
 */
export const MAX_TURNS = 40;
export const HISTORY_TURN_MAX_BYTES = 4 * 1024;
export const HISTORY_MAX_BYTES = 48 * 1024;
export const MAX_PROCESSED_IDS = 100;

/** The turns the history keeps, and how many older ones it drops. */
export function keepHistory(turns: readonly Turn[]): { turns: Turn[]; dropped: number } {
  const kept: Turn[] = [];
  let bytes = 0;
  for (let i = turns.length - 1; i >= 0 && kept.length < MAX_TURNS; i--) {
    const turn = capTurn(turns[i] as Turn, HISTORY_TURN_MAX_BYTES);
    bytes += Buffer.byteLength(turn.text, "utf8");
    if (bytes > HISTORY_MAX_BYTES) break;
    kept.push(turn);
  }
  return { turns: kept.reverse(), dropped: turns.length - kept.length };
}

/** The turn with its text cut to `maxBytes`, saying how much was left out. */
export function capTurn(turn: Turn, maxBytes: number): Turn {
  const { text, omittedBytes } = cutToBytes(turn.text, maxBytes);
  if (omittedBytes === 0) return turn;
  return { ...turn, text, omittedBytes: omittedBytes + (turn.omittedBytes ?? 0) };
}

export function newConversation(init: {
  conversationKey: string;
  channel: Channel;
  customerId: string;
  now: Date;
}) {
  const at = init.now.toISOString();
  return {
    conversationKey: init.conversationKey,
    channel: init.channel,
    customerId: init.customerId,
    turns: [],
    disclosed: false,
    processedIds: [],
    createdAt: at,
    updatedAt: at,
    revision: 0,
  } satisfies Conversation;
}

export class ConcurrentUpdateError extends Error {
  constructor(key: string, options?: { cause?: unknown }) {
    super(`conversation ${key} was changed by someone else`, options);
    this.name = "ConcurrentUpdateError";
  }
}
