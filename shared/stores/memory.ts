import type { ChannelStateStore } from "../channels/ports";
import type { TokenRecord, TokenStore } from "../channels/tokens";
import {
  ConcurrentUpdateError,
  type Conversation,
  capTurn,
  keepHistory,
  MAX_PROCESSED_IDS,
} from "../core/conversation";
import type { AgentStore, TicketDeskStore } from "../core/desk/ports";
import type { Agent } from "../core/desk/routing";
import type { PickStore, StoredPick } from "../core/picks";
import type { ConversationStore, OutboxRecord, OutboxStore, TicketStore } from "../core/pipeline/ports";
import type { ConversationReview } from "../core/quality/review";
import type { DueReview, ReviewQueue, ReviewStore } from "../core/quality/review-pass";
import type { Ticket } from "../core/ticket";
import type { EntryState, FaqMeta, FaqRepository } from "../kb/import/ports";
import type { StoredFaqEntry } from "../kb/knowledge";
import type { ChangeStore, PendingChange } from "../kb/teach";
import { RETENTION } from "../resources";
import { DEFAULT_MAX_CONCURRENT } from "./agents";
import { LeaseLostError } from "./faq";
import { reviewDay } from "./reviews";
import { SLA_RUNNING } from "./ticket-desk";
import { TICKET_TURN_MAX_BYTES } from "./tickets";

/**
 * The stores of this folder in memory, one function per DynamoDB store, with the same conditions, caps,
 * orders and TTLs: test/contract/stores.contract.ts runs the same suite against both
 * (test/unit/contract/stores.test.ts here, test/integration/contract.test.ts on DynamoDB Local). The unit
 * tests and the local tools that must not touch DynamoDB (`npm run eval`) use these; the audit trail's
 * twin is beside its store (inspection-audit.ts). Each exposes its items (and TTLs) for tests to look at.
 */

/** DynamoDB's order of string keys: by their UTF-8 bytes. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Epoch seconds `days` after `now`: the TTL attribute the DynamoDB stores write. */
const ttlAfter = (now: Date, days: number) => Math.floor(now.getTime() / 1000) + days * 86_400;

/** The conversations table in memory: the same caps, revision check and TTL as the DynamoDB store. */
export function memoryConversations(): ConversationStore & {
  items: Map<string, Conversation>;
  expiresAt: Map<string, number>;
} {
  const items = new Map<string, Conversation>();
  const expiresAt = new Map<string, number>();
  return {
    items,
    expiresAt,
    async get(key) {
      const found = items.get(key);
      return found ? structuredClone(found) : undefined;
    },
    async save(conversation, now = new Date()) {
      const stored = items.get(conversation.conversationKey);
      if (stored && stored.revision !== conversation.revision) {
        throw new ConcurrentUpdateError(conversation.conversationKey);
      }
      const history = keepHistory(conversation.turns);
      const omittedTurns = (conversation.omittedTurns ?? 0) + history.dropped;
      const next: Conversation = {
        ...structuredClone(conversation),
        turns: history.turns,
        ...(omittedTurns > 0 ? { omittedTurns } : {}),
        processedIds: conversation.processedIds.slice(-MAX_PROCESSED_IDS),
        revision: conversation.revision + 1,
        updatedAt: now.toISOString(),
      };
      items.set(conversation.conversationKey, next);
      expiresAt.set(conversation.conversationKey, ttlAfter(now, RETENTION.conversationDays));
      return structuredClone(next);
    },
  };
}

/** memoryTickets' store, with its items and review queue for the desk's writes and for tests. */
export type MemoryTickets = TicketStore & {
  items: Map<string, Ticket>;
  /** The QA review's queue (the DynamoDB store's sparse byReviewDue index): every resolve joins it. */
  reviewDue: Map<string, DueReview>;
};

/**
 * The tickets and ticket-turns tables in memory: the hand-off context kept like a conversation's history,
 * later turns cut to TICKET_TURN_MAX_BYTES and sorted by their time, once per id and time.
 */
export function memoryTickets(): MemoryTickets {
  const items = new Map<string, Ticket>();
  const reviewDue = new Map<string, DueReview>();
  const appended = new Set<string>();
  const read = (ticket: Ticket): Ticket => {
    const copy = structuredClone(ticket);
    // The context stays first; the later turns sort by time, ties in the order they were stored.
    const context = copy.transcript.slice(0, contextLength.get(ticket.ticketId) ?? 0);
    const later = copy.transcript.slice(context.length).sort((a, b) => byBytes(a.at, b.at));
    return { ...copy, transcript: [...context, ...later] };
  };
  const contextLength = new Map<string, number>();
  const existing = (id: string) => {
    const ticket = items.get(id);
    if (!ticket) throw new Error(`ConditionalCheckFailedException: no ticket ${id}`);
    return ticket;
  };
  return {
    items,
    reviewDue,
    async create(ticket) {
      const found = items.get(ticket.ticketId);
      if (found) return read(found);
      const context = keepHistory(ticket.transcript);
      const omittedTurns = (ticket.omittedTurns ?? 0) + context.dropped;
      const stored: Ticket = {
        ...structuredClone(ticket),
        transcript: context.turns,
        ...(omittedTurns > 0 ? { omittedTurns } : {}),
      };
      items.set(ticket.ticketId, stored);
      contextLength.set(ticket.ticketId, context.turns.length);
      return read(stored);
    },
    async get(id) {
      const t = items.get(id);
      return t ? read(t) : undefined;
    },
    async status(id) {
      return items.get(id)?.status;
    },
    async append(id, turn, options = {}) {
      const ticket = existing(id);
      ticket.updatedAt = (options.now ?? new Date()).toISOString();
      if (options.id !== undefined) {
        // As the DynamoDB store: a retried append finds its turn among those stored with the same time.
        const key = `${id}#${turn.at}#${options.id}`;
        if (appended.has(key)) return;
        appended.add(key);
      }
      ticket.transcript.push(capTurn(structuredClone(turn), TICKET_TURN_MAX_BYTES));
    },
    async resolve(id, now = new Date()) {
      const ticket = existing(id);
      ticket.status = "resolved";
      ticket.resolvedAt = now.toISOString();
      ticket.updatedAt = now.toISOString();
      reviewDue.set(id, { ticketId: id, resolvedAt: ticket.resolvedAt, attempts: 0 });
    },
    async listByStatus(status, limit = 100) {
      return [...items.values()]
        .filter((t) => t.status === status)
        .sort((a, b) => byBytes(b.createdAt, a.createdAt))
        .slice(0, limit)
        .map(read);
    },
  };
}

/**
 * The QA review queue over memoryTickets' resolves, as createReviewQueue over the tickets table: taken
 * off only for the resolve it was read at, and a ticket graded without a rating stays queued when one
 * has arrived since.
 */
export function memoryReviewQueue(tickets: MemoryTickets): ReviewQueue {
  const due = tickets.reviewDue;
  const sameResolve = (d: DueReview) => due.get(d.ticketId)?.resolvedAt === d.resolvedAt;
  return {
    async due(since, limit) {
      return [...due.values()]
        .filter((d) => d.resolvedAt >= since)
        .sort((a, b) => byBytes(a.resolvedAt, b.resolvedAt))
        .slice(0, limit)
        .map((d) => ({ ...d }));
    },
    async done(d, graded) {
      const ratedSince = graded?.rated === false && tickets.items.get(d.ticketId)?.csat !== undefined;
      if (sameResolve(d) && !ratedSince) due.delete(d.ticketId);
    },
    async failedAttempt(d) {
      const found = due.get(d.ticketId);
      if (found && sameResolve(d)) found.attempts++;
    },
  };
}

/**
 * The reviews table in memory: one review per ticket and resolve day (a later one replaces it), listed
 * day by day in ticket id order, kept RETENTION.reviewDays after the review.
 */
export function memoryReviews(): ReviewStore & {
  items: Map<string, ConversationReview>;
  expiresAt(review: Pick<ConversationReview, "ticketId" | "resolvedAt">): Promise<number | undefined>;
} {
  const items = new Map<string, ConversationReview>();
  const key = (r: Pick<ConversationReview, "ticketId" | "resolvedAt">) =>
    `${reviewDay(r.resolvedAt)}#${r.ticketId}`;
  return {
    items,
    async expiresAt(review) {
      const found = items.get(key(review));
      return found ? ttlAfter(new Date(found.reviewedAt), RETENTION.reviewDays) : undefined;
    },
    async put(review) {
      items.set(key(review), structuredClone(review));
    },
    async listDays(days) {
      return days.flatMap((day) =>
        [...items.values()]
          .filter((r) => reviewDay(r.resolvedAt) === day)
          .sort((a, b) => byBytes(a.ticketId, b.ticketId))
          .map((r) => structuredClone(r)),
      );
    },
  };
}

/** The picks table in memory: one record per picking message, the first kept, with its TTL. */
export function memoryPicks(): PickStore & {
  items: Map<string, StoredPick>;
  expiresAt(pick: { id: string; at: string }): Promise<number | undefined>;
} {
  const items = new Map<string, StoredPick>();
  const key = (p: { id: string; at: string }) => `${p.at.slice(0, 10)}#${p.id}`;
  return {
    items,
    async expiresAt(pick) {
      const found = items.get(key(pick));
      return found ? ttlAfter(new Date(found.at), RETENTION.pickDays) : undefined;
    },
    async record(pick) {
      if (!items.has(key(pick))) items.set(key(pick), structuredClone(pick));
    },
    async listDays(days) {
      return [...items.values()]
        .filter((p) => days.includes(p.at.slice(0, 10)))
        .map((p) => structuredClone(p));
    },
    async markHandled(picks, decision) {
      for (const pick of picks) {
        const found = items.get(key(pick));
        if (found) found.handled = decision;
      }
    },
  };
}

/** The outbox table in memory, with the TTL the DynamoDB store writes. */
export function memoryOutbox(): OutboxStore & {
  items: Map<string, OutboxRecord>;
  expiresAt: Map<string, number>;
} {
  const items = new Map<string, OutboxRecord>();
  const expiresAt = new Map<string, number>();
  return {
    items,
    expiresAt,
    async get(key) {
      const found = items.get(key);
      return found ? structuredClone(found) : undefined;
    },
    async put(record, now = new Date()) {
      items.set(record.messageKey, structuredClone(record));
      expiresAt.set(record.messageKey, ttlAfter(now, RETENTION.outboxDays));
    },
    async create(record, now = new Date()) {
      const standing = items.get(record.messageKey);
      if (standing) return structuredClone(standing);
      items.set(record.messageKey, structuredClone(record));
      expiresAt.set(record.messageKey, ttlAfter(now, RETENTION.outboxDays));
      return undefined;
    },
  };
}

/** The tokens table in memory: one process, nothing shared; the TTL a day past the token's expiry. */
export function memoryTokenStore(): TokenStore & { expiresAt: Map<string, number> } {
  const items = new Map<string, TokenRecord & { leaseOwner?: string }>();
  const expiresAt = new Map<string, number>();
  const ttl = (epochMs: number) => Math.ceil(epochMs / 1000) + 86_400;
  return {
    expiresAt,
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
      expiresAt.set(name, ttl(at.leaseUntil));
      return true;
    },
    async save(name, owner, token, tokenExpiresAt) {
      const item = items.get(name);
      if (item?.leaseOwner !== owner) return false;
      items.set(name, { token, tokenExpiresAt });
      expiresAt.set(name, ttl(tokenExpiresAt));
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

/**
 * The FAQ table in memory, per knowledge base, with the DynamoDB repository's lease rules (LeaseLostError
 * for a writer without the lease), id order and version history. `entries` and `meta` are the `default`
 * knowledge base's, for tests to look at.
 */
export function memoryRepo(): FaqRepository & { entries: Map<string, StoredFaqEntry>; meta: FaqMeta } {
  const kbs = new Map<string, { entries: Map<string, StoredFaqEntry>; meta: FaqMeta }>();
  const kbOf = (kb: string) => {
    let found = kbs.get(kb);
    if (!found) {
      found = { entries: new Map(), meta: { history: [], queued: [] } };
      kbs.set(kb, found);
    }
    return found;
  };
  const metaOf = (kb: string) => kbOf(kb).meta;
  const entriesOf = (kb: string) => kbOf(kb).entries;
  const holding = (kb: string, owner: string) => {
    if (metaOf(kb).lease?.owner !== owner) {
      throw new LeaseLostError(`import ${owner} no longer holds the lease on knowledge base ${kb}`);
    }
    return metaOf(kb);
  };
  return {
    get entries() {
      return entriesOf("default");
    },
    get meta() {
      return metaOf("default");
    },
    async currentVersion(kb) {
      return metaOf(kb).version;
    },
    async loadEntries(kb, options = {}) {
      const entries = [...entriesOf(kb).values()]
        .sort((a, b) => byBytes(a.id, b.id))
        .map((e) => structuredClone(e));
      if (options.vectors === false) for (const e of entries) delete e.vectors;
      return { version: metaOf(kb).version ?? "", entries };
    },
    async getMeta(kb) {
      const { version, updatedAt, history, lease, pending, queued } = structuredClone(metaOf(kb));
      return { version, updatedAt, history, lease, pending, queued };
    },
    async entryStates(kb) {
      const states = new Map<string, EntryState>();
      for (const e of entriesOf(kb).values()) {
        states.set(e.id, {
          contentHash: e.contentHash,
          ...(e.vectors ? { modelId: e.vectors.modelId } : {}),
          ...(e.version ? { version: e.version } : {}),
        });
      }
      return states;
    },
    async putEntries(kb, list) {
      for (const e of list) entriesOf(kb).set(e.id, structuredClone(e));
    },
    async deleteEntries(kb, ids) {
      for (const id of ids) entriesOf(kb).delete(id);
    },
    async acquireLease(kb, owner, nowMs, ttlMs) {
      const meta = metaOf(kb);
      if (meta.lease && meta.lease.owner !== owner && meta.lease.expiresAt >= nowMs) return false;
      meta.lease = { owner, expiresAt: nowMs + ttlMs };
      return true;
    },
    async savePending(kb, owner, pending, expiresAt) {
      const meta = holding(kb, owner);
      meta.pending = structuredClone(pending);
      meta.lease = { owner, expiresAt };
    },
    async commitVersion(kb, owner, record) {
      const meta = holding(kb, owner);
      meta.version = record.version;
      meta.updatedAt = record.at;
      meta.history = [
        structuredClone(record),
        ...meta.history.filter((h) => h.version !== record.version),
      ].slice(0, 20);
    },
    async releaseLease(kb, owner) {
      const meta = metaOf(kb);
      if (meta.lease?.owner !== owner) return [];
      const queued = meta.queued;
      meta.lease = undefined;
      meta.pending = undefined;
      meta.queued = [];
      return queued;
    },
    async enqueue(kb, key) {
      const meta = metaOf(kb);
      if (!meta.queued.includes(key)) meta.queued.push(key);
    },
  };
}

/** The durable channel state, in memory, with the TTLs it was given (so tests can assert them). */
export function memoryState(): ChannelStateStore & {
  data: Map<string, unknown>;
  ttls: Map<string, number>;
  expiresAt: Map<string, number>;
} {
  const data = new Map<string, unknown>();
  const ttls = new Map<string, number>();
  const expiresAt = new Map<string, number>();
  return {
    data,
    ttls,
    expiresAt,
    async get<T>(key: string) {
      return structuredClone(data.get(key)) as T | undefined;
    },
    async put<T>(key: string, value: T, ttlSeconds?: number) {
      data.set(key, structuredClone(value));
      // A put replaces the whole item, its TTL with it.
      ttls.delete(key);
      expiresAt.delete(key);
      if (ttlSeconds) {
        ttls.set(key, ttlSeconds);
        expiresAt.set(key, Math.floor(Date.now() / 1000) + ttlSeconds);
      }
    },
    async putIfRevision<T extends { revision: number }>(key: string, value: T, expected: number | undefined) {
      if ((data.get(key) as { revision?: number } | undefined)?.revision !== expected) return false;
      data.set(key, structuredClone(value));
      ttls.delete(key);
      expiresAt.delete(key);
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
        maxConcurrent: DEFAULT_MAX_CONCURRENT,
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
    async signIn(id, now) {
      const agent = ensure(id, now);
      agent.status = "online";
      agent.lastAssignedAt ??= now.toISOString();
      return structuredClone(agent);
    },
    async reserve(id, now) {
      const agent = items.get(id);
      if (agent?.status !== "online" || agent.openTickets >= agent.maxConcurrent) return false;
      agent.openTickets++;
      agent.lastAssignedAt = now.toISOString();
      agent.updatedAt = now.toISOString();
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

/**
 * The desk's ticket fields over memoryTickets' items, as createTicketDeskStore writes them on the tickets
 * table: a rating queues its resolved ticket for the QA review again.
 */
export function memoryTicketDesk(tickets: MemoryTickets): TicketDeskStore {
  const { items, reviewDue } = tickets;
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
        .filter((t) => t.slaClock === SLA_RUNNING && t.slaNextDueAt && t.slaNextDueAt <= now.toISOString())
        .sort((a, b) => byBytes(a.slaNextDueAt ?? "", b.slaNextDueAt ?? ""))
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
      t.updatedAt = at.toISOString();
      if (t.resolvedAt) reviewDue.set(id, { ticketId: id, resolvedAt: t.resolvedAt, attempts: 0 });
      return true;
    },
    async reopen(id, assignee, now, resolutionDueAt) {
      const t = found(id);
      // A new resolution deadline needs the SLA it belongs to (the DynamoDB store's condition).
      if (t?.status !== "resolved" || (resolutionDueAt && !t.sla)) return false;
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
