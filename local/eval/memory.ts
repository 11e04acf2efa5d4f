/**
 * The pipeline's stores in memory, for replaying conversations through the real `processMessage`
 * without DynamoDB: one set per conversation, thrown away after it.
 */
import type { Conversation } from "../../shared/core/conversation";
import type {
  ConversationStore,
  OutboxRecord,
  OutboxStore,
  TicketStore,
} from "../../shared/core/pipeline/ports";
import type { Ticket } from "../../shared/core/ticket";

export function memoryStores(): {
  conversations: ConversationStore;
  tickets: TicketStore & { items: Map<string, Ticket> };
  outbox: OutboxStore;
} {
  const conversations = new Map<string, Conversation>();
  const tickets = new Map<string, Ticket>();
  const outbox = new Map<string, OutboxRecord>();
  return {
    conversations: {
      async get(key) {
        const found = conversations.get(key);
        return found ? structuredClone(found) : undefined;
      },
      async save(conversation, now = new Date()) {
        const next = {
          ...structuredClone(conversation),
          revision: conversation.revision + 1,
          updatedAt: now.toISOString(),
        };
        conversations.set(conversation.conversationKey, next);
        return next;
      },
    },
    tickets: {
      items: tickets,
      async create(ticket) {
        const existing = tickets.get(ticket.ticketId);
        if (existing) return existing;
        tickets.set(ticket.ticketId, structuredClone(ticket));
        return ticket;
      },
      async get(id) {
        const t = tickets.get(id);
        return t ? structuredClone(t) : undefined;
      },
      async status(id) {
        return tickets.get(id)?.status;
      },
      async append(id, turn) {
        tickets.get(id)?.transcript.push(turn);
      },
      async resolve(id) {
        const t = tickets.get(id);
        if (t) t.status = "resolved";
      },
      async listByStatus(status) {
        return [...tickets.values()].filter((t) => t.status === status);
      },
    },
    outbox: {
      async get(key) {
        return outbox.get(key);
      },
      async put(record) {
        outbox.set(record.messageKey, structuredClone(record));
      },
      async create(record) {
        const standing = outbox.get(record.messageKey);
        if (standing) return structuredClone(standing);
        outbox.set(record.messageKey, structuredClone(record));
        return undefined;
      },
    },
  };
}
