import type { TokenRecord, TokenStore } from "../../shared/channels/tokens";
import type { Conversation } from "../../shared/core/conversation";
import type { AnswerEngine, EngineInput, EngineResult } from "../../shared/core/engine";
import type { InboundMessage, InboundMessageInput, OutboundMessage } from "../../shared/core/message";
import { InboundMessageSchema } from "../../shared/core/message";
import type {
  ConversationStore,
  OutboxRecord,
  OutboxStore,
  PipelineDeps,
  TicketStore,
} from "../../shared/core/pipeline/ports";
import type { Ticket } from "../../shared/core/ticket";

/** In-memory stores with the same contracts as the DynamoDB ones, for testing the pure pipeline. */
export function memoryConversations(): ConversationStore & { items: Map<string, Conversation> } {
  const items = new Map<string, Conversation>();
  return {
    items,
    async get(key) {
      const found = items.get(key);
      return found ? structuredClone(found) : undefined;
    },
    async save(conversation, now = new Date()) {
      const stored = items.get(conversation.conversationKey);
      if (stored && stored.revision !== conversation.revision) throw new Error("concurrent update");
      const next = {
        ...structuredClone(conversation),
        revision: conversation.revision + 1,
        updatedAt: now.toISOString(),
      };
      items.set(conversation.conversationKey, next);
      return next;
    },
  };
}

export function memoryTickets(): TicketStore & { items: Map<string, Ticket> } {
  const items = new Map<string, Ticket>();
  const appended = new Set<string>();
  return {
    items,
    async create(ticket) {
      const existing = items.get(ticket.ticketId);
      if (existing) return existing;
      items.set(ticket.ticketId, structuredClone(ticket));
      return ticket;
    },
    async get(id) {
      const t = items.get(id);
      return t ? structuredClone(t) : undefined;
    },
    async status(id) {
      return items.get(id)?.status;
    },
    async append(id, turn, options = {}) {
      const ticket = items.get(id);
      if (!ticket) throw new Error(`no ticket ${id}`);
      if (options.id !== undefined) {
        if (appended.has(`${id}#${options.id}`)) return;
        appended.add(`${id}#${options.id}`);
      }
      ticket.transcript.push(turn);
    },
    async resolve(id) {
      const t = items.get(id);
      if (t) t.status = "resolved";
    },
    async listByStatus(status) {
      return [...items.values()].filter((t) => t.status === status);
    },
  };
}

export function memoryOutbox(): OutboxStore & { items: Map<string, OutboxRecord> } {
  const items = new Map<string, OutboxRecord>();
  return {
    items,
    async get(key) {
      const found = items.get(key);
      return found ? structuredClone(found) : undefined;
    },
    async put(record) {
      items.set(record.messageKey, structuredClone(record));
    },
  };
}

/** An engine that answers from a fixed script and remembers what it was asked. */
export function scriptedEngine(
  decide: (input: EngineInput) => EngineResult,
): AnswerEngine & { calls: EngineInput[] } {
  const calls: EngineInput[] = [];
  return {
    calls,
    async decide(input) {
      calls.push(input);
      return decide(input);
    },
  };
}

export function pipelineDeps(engine: AnswerEngine, overrides: Partial<PipelineDeps> = {}) {
  const sent: OutboundMessage[] = [];
  const notified: string[] = [];
  const keywords: InboundMessage[] = [];
  const conversations = memoryConversations();
  const tickets = memoryTickets();
  const outbox = memoryOutbox();
  const deps: PipelineDeps = {
    conversations,
    tickets,
    outbox,
    engine: async () => engine,
    async send(message) {
      sent.push(message);
    },
    async notifyAgents({ ticket }) {
      notified.push(ticket.ticketId);
    },
    async answerKeyword(message) {
      keywords.push(message);
    },
    texts: {
      disclosure: (_c, l) => (l === "zh" ? "[AI助手]" : "[AI assistant]"),
      welcome: (_c, l) => (l === "zh" ? "[欢迎][AI助手]" : "[welcome][AI assistant]"),
      handoff: (id) => `[handoff ${id}]`,
      mediaUnsupported: () => "[text only]",
    },
    detectLanguage: (text) => (/[\u4e00-\u9fff]/.test(text) ? "zh" : "en"),
    now: () => new Date("2026-11-21T10:00:00Z"),
    ...overrides,
  };
  return { deps, sent, notified, keywords, conversations, tickets, outbox };
}

let counter = 0;
export function inbound(overrides: Partial<InboundMessageInput> = {}): InboundMessage {
  counter++;
  return InboundMessageSchema.parse({
    id: `m-${counter}`,
    channel: "wechat",
    conversationKey: "wechat:gh:o-1",
    sender: { id: "o-1" },
    recipient: "gh",
    kind: "text",
    text: "hello",
    receivedAt: "2026-11-21T10:00:00.000Z",
    ...overrides,
  });
}

/** The tokens table in memory: one process, nothing shared. */
export function memoryTokenStore(): TokenStore {
  const items = new Map<string, TokenRecord & { leaseOwner?: string }>();
  return {
    async read(name) {
      const item = items.get(name);
      return item
        ? { token: item.token, tokenExpiresAt: item.tokenExpiresAt, leaseUntil: item.leaseUntil }
        : undefined;
    },
    async acquireLease(name, owner, at) {
      const item = items.get(name) ?? {};
      if (item.leaseUntil !== undefined && item.leaseUntil >= at.now) return false;
      if (item.tokenExpiresAt !== undefined && item.tokenExpiresAt >= at.refreshBefore) return false;
      items.set(name, { ...item, leaseUntil: at.leaseUntil, leaseOwner: owner });
      return true;
    },
    async save(name, owner, token, tokenExpiresAt) {
      const item = items.get(name);
      if (item?.leaseOwner !== owner) return false;
      items.set(name, { token, tokenExpiresAt });
      return true;
    },
    async releaseLease(name, owner) {
      const item = items.get(name);
      if (item?.leaseOwner === owner)
        items.set(name, { token: item.token, tokenExpiresAt: item.tokenExpiresAt });
    },
    async invalidate(name, token) {
      const item = items.get(name);
      if (item?.token === token)
        items.set(name, { leaseUntil: item.leaseUntil, leaseOwner: item.leaseOwner });
    },
  };
}
