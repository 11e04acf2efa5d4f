import type { ClaimResult, DedupStore } from "../../shared/channels/ingress";
import type { ChannelStateStore } from "../../shared/channels/ports";
import type { TokenRecord, TokenStore } from "../../shared/channels/tokens";
import type { Conversation } from "../../shared/core/conversation";
import type { AgentStore, TicketDeskStore } from "../../shared/core/desk-ports";
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
import type { Agent } from "../../shared/core/routing";
import type { Ticket } from "../../shared/core/ticket";
import type { BlobStore, EntryState, FaqMeta, FaqRepository } from "../../shared/kb/import/ports";
import type { StoredFaqEntry } from "../../shared/kb/knowledge";
import type { ChangeStore, PendingChange } from "../../shared/kb/teach";

/**
 * Every in-memory fake of the ports, in one place: the stores with the same contracts as the DynamoDB ones
 * (test/contract runs the same suite against both), the FAQ bucket, a scripted engine, the pipeline's
 * deps, and inbound messages.
 */

/** The conversations table in memory. */
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
    async resolve(id, now = new Date()) {
      const t = items.get(id);
      if (t) {
        t.status = "resolved";
        t.resolvedAt = now.toISOString();
      }
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

/** The dedup table in memory: a claim is `received`, then `enqueued`; a released claim can be taken again. */
export function memoryDedup(): DedupStore & { state: Map<string, "received" | "enqueued"> } {
  const state = new Map<string, "received" | "enqueued">();
  return {
    state,
    async claim(key): Promise<ClaimResult> {
      const s = state.get(key);
      if (s === "enqueued") return "duplicate";
      if (s === "received") return "in_flight";
      state.set(key, "received");
      return "claimed";
    },
    async markEnqueued(key) {
      state.set(key, "enqueued");
    },
    async release(key) {
      if (state.get(key) === "received") state.delete(key);
    },
  };
}

/**
 * In-memory stand-ins for the FAQ table and bucket, with the same lease semantics as the DynamoDB
 * repository (the repository itself is tested against the SDK boundary and DynamoDB Local).
 */
export function memoryRepo(): FaqRepository & { entries: Map<string, StoredFaqEntry>; meta: FaqMeta } {
  const entries = new Map<string, StoredFaqEntry>();
  const meta: FaqMeta = { history: [], queued: [] };
  const holds = (owner: string) => meta.lease?.owner === owner;
  return {
    entries,
    meta,
    async currentVersion() {
      return meta.version;
    },
    async loadEntries() {
      return {
        version: meta.version ?? "",
        entries: [...entries.values()].sort((a, b) => a.id.localeCompare(b.id)),
      };
    },
    async getMeta() {
      return structuredClone(meta);
    },
    async entryStates() {
      const states = new Map<string, EntryState>();
      for (const e of entries.values()) {
        states.set(e.id, {
          contentHash: e.contentHash,
          ...(e.vectors ? { modelId: e.vectors.modelId } : {}),
          ...(e.version ? { version: e.version } : {}),
        });
      }
      return states;
    },
    async putEntries(_kb, list) {
      for (const e of list) entries.set(e.id, structuredClone(e));
    },
    async deleteEntries(_kb, ids) {
      for (const id of ids) entries.delete(id);
    },
    async acquireLease(_kb, owner, nowMs, ttlMs) {
      if (meta.lease && meta.lease.owner !== owner && meta.lease.expiresAt >= nowMs) return false;
      meta.lease = { owner, expiresAt: nowMs + ttlMs };
      return true;
    },
    async savePending(_kb, owner, pending, expiresAt) {
      if (!holds(owner)) throw new Error("lease lost");
      meta.pending = structuredClone(pending);
      meta.lease = { owner, expiresAt };
    },
    async commitVersion(_kb, owner, record) {
      if (!holds(owner)) throw new Error("lease lost");
      meta.version = record.version;
      meta.updatedAt = record.at;
      meta.history = [record, ...meta.history].slice(0, 20);
    },
    async releaseLease(_kb, owner) {
      if (!holds(owner)) return [];
      const queued = meta.queued;
      meta.lease = undefined;
      meta.pending = undefined;
      meta.queued = [];
      return queued;
    },
    async enqueue(_kb, key) {
      if (!meta.queued.includes(key)) meta.queued.push(key);
    },
  };
}

export function memoryBlobs(): BlobStore & { objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  return {
    objects,
    async head(key) {
      const o = objects.get(key);
      return o ? { size: o.byteLength } : undefined;
    },
    async get(key) {
      const o = objects.get(key);
      if (!o) throw new Error(`no object ${key}`);
      // Several small chunks, so decoders see multi-byte characters split across chunk boundaries.
      return (async function* () {
        for (let i = 0; i < o.byteLength; i += 7) yield o.subarray(i, i + 7);
      })();
    },
    async put(key, body) {
      objects.set(key, typeof body === "string" ? new TextEncoder().encode(body) : body);
    },
    async getText(key) {
      const o = objects.get(key);
      return o ? new TextDecoder().decode(o) : undefined;
    },
    async copy(from, to) {
      const o = objects.get(from);
      if (!o) throw new Error(`no object ${from}`);
      objects.set(to, o);
    },
  };
}

/** The durable channel state, in memory, with the TTLs it was given (so tests can assert them). */
export function memoryState(): ChannelStateStore & { data: Map<string, unknown>; ttls: Map<string, number> } {
  const data = new Map<string, unknown>();
  const ttls = new Map<string, number>();
  return {
    data,
    ttls,
    async get<T>(key: string) {
      return structuredClone(data.get(key)) as T | undefined;
    },
    async put<T>(key: string, value: T, ttlSeconds?: number) {
      data.set(key, structuredClone(value));
      if (ttlSeconds) ttls.set(key, ttlSeconds);
    },
    async putIfRevision<T extends { revision: number }>(key: string, value: T, expected: number | undefined) {
      if ((data.get(key) as { revision?: number } | undefined)?.revision !== expected) return false;
      data.set(key, structuredClone(value));
      return true;
    },
  };
}

/** The agents table in memory, with the same conditions on the load counter as the DynamoDB store. */
export function memoryAgents(initial: Agent[] = []): AgentStore & { items: Map<string, Agent> } {
  const items = new Map(initial.map((agent) => [agent.id, structuredClone(agent)]));
  const ensure = (id: string, now: Date): Agent => {
    let agent = items.get(id);
    if (!agent) {
      agent = {
        id,
        displayName: id,
        groups: [],
        skills: [],
        status: "away",
        maxConcurrent: 5,
        openTickets: 0,
      };
      items.set(id, agent);
    }
    agent.updatedAt = now.toISOString();
    return agent;
  };
  return {
    items,
    async get(id) {
      const agent = items.get(id);
      return agent ? structuredClone(agent) : undefined;
    },
    async list() {
      return [...items.values()].map((a) => structuredClone(a)).sort((a, b) => a.id.localeCompare(b.id));
    },
    async configure(id, settings, now) {
      const agent = ensure(id, now);
      if (settings.displayName !== undefined) agent.displayName = settings.displayName;
      if (settings.groups !== undefined) agent.groups = [...settings.groups];
      if (settings.skills !== undefined) agent.skills = [...new Set(settings.skills)].sort();
      if (settings.maxConcurrent !== undefined) agent.maxConcurrent = settings.maxConcurrent;
      return structuredClone(agent);
    },
    async setStatus(id, status, now) {
      const agent = ensure(id, now);
      agent.status = status;
      if (status === "online") agent.lastAssignedAt = now.toISOString();
      return structuredClone(agent);
    },
    async reserve(id, now) {
      const agent = items.get(id);
      if (agent?.status !== "online" || agent.openTickets >= agent.maxConcurrent) return false;
      agent.openTickets++;
      agent.lastAssignedAt = now.toISOString();
      return true;
    },
    async release(id) {
      const agent = items.get(id);
      if (agent && agent.openTickets > 0) agent.openTickets--;
    },
    async restore(id, now) {
      const agent = ensure(id, now);
      agent.openTickets++;
      agent.lastAssignedAt = now.toISOString();
    },
  };
}

/** The desk's ticket fields on the memory tickets' items (memoryTickets().items). */
export function memoryTicketDesk(items: Map<string, Ticket>): TicketDeskStore {
  const found = (id: string) => items.get(id);
  return {
    async assign(id, agentId, now) {
      const t = found(id);
      if (t?.status !== "open" || t.assignee) return false;
      Object.assign(t, { status: "assigned", assignee: agentId, updatedAt: now.toISOString() });
      return true;
    },
    async slaDue(now, limit = 100) {
      return [...items.values()]
        .filter((t) => t.slaClock === "running" && t.slaNextDueAt && t.slaNextDueAt <= now.toISOString())
        .sort((a, b) => (a.slaNextDueAt ?? "").localeCompare(b.slaNextDueAt ?? ""))
        .slice(0, limit)
        .map((t) => structuredClone(t));
    },
    async recordBreach(id, change, now) {
      const t = found(id);
      if (!t?.sla || t.sla.breached.length !== change.breachedBefore) return false;
      t.sla.breached.push(...change.breached);
      t.priority = change.priority;
      t.updatedAt = now.toISOString();
      if (change.nextDueAt) t.slaNextDueAt = change.nextDueAt;
      else {
        delete t.slaClock;
        delete t.slaNextDueAt;
      }
      return true;
    },
    async moveClock(id, nextDueAt) {
      const t = found(id);
      if (!t) throw new Error(`no ticket ${id}`);
      if (nextDueAt) Object.assign(t, { slaClock: "running", slaNextDueAt: nextDueAt });
      else {
        delete t.slaClock;
        delete t.slaNextDueAt;
      }
    },
    async recordFirstResponse(id, at) {
      const t = found(id);
      if (t?.sla && !t.sla.firstRespondedAt) t.sla.firstRespondedAt = at.toISOString();
    },
    async markCsatAsked(id, at) {
      const t = found(id);
      if (!t) throw new Error(`no ticket ${id}`);
      t.csatAskedAt = at.toISOString();
    },
    async recordCsat(id, rating, at) {
      const t = found(id);
      if (!t || t.csat) return false;
      t.csat = { ...rating, at: at.toISOString() };
      return true;
    },
    async reopen(id, assignee, now, resolutionDueAt) {
      const t = found(id);
      if (t?.status !== "resolved") return false;
      t.status = assignee ? "assigned" : "open";
      if (assignee) t.assignee = assignee;
      else delete t.assignee;
      t.reopenedAt = now.toISOString();
      t.updatedAt = now.toISOString();
      if (resolutionDueAt && t.sla) {
        t.sla.resolutionDueAt = resolutionDueAt;
        Object.assign(t, { slaClock: "running", slaNextDueAt: resolutionDueAt });
      }
      return true;
    },
  };
}

/** The changes table in memory. */
export function memoryChanges(): ChangeStore & { items: Map<string, PendingChange> } {
  const items = new Map<string, PendingChange>();
  return {
    items,
    async create(change) {
      if (items.has(change.id)) throw new Error("ConditionalCheckFailedException");
      items.set(change.id, structuredClone(change));
    },
    async get(id) {
      const change = items.get(id);
      return change ? structuredClone(change) : undefined;
    },
    async list(status) {
      return [...items.values()]
        .filter((c) => c.status === status)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .map((c) => structuredClone(c));
    },
    async decide(id, decision) {
      const change = items.get(id);
      if (change?.status !== "pending") return false;
      Object.assign(change, {
        status: decision.status,
        decidedBy: decision.by,
        decidedAt: decision.at.toISOString(),
        ...(decision.note ? { note: decision.note } : {}),
        ...(decision.upload ? { upload: decision.upload } : {}),
      });
      return true;
    },
  };
}
