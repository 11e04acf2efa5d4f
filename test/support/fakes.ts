import type { SQSRecord } from "aws-lambda";
import { FIFO_DEDUPLICATION_WINDOW_MS, fifoIds } from "../../shared/aws/queue";
import type { QueueBodyStore } from "../../shared/aws/queue-bodies";
import type { StoreDeps } from "../../shared/channels/ingress";
import type { ChannelStateStore } from "../../shared/channels/ports";
import type { TokenRecord, TokenStore } from "../../shared/channels/tokens";
import {
  ConcurrentUpdateError,
  type Conversation,
  capTurn,
  keepHistory,
  MAX_PROCESSED_IDS,
} from "../../shared/core/conversation";
import {
  type AgentStore,
  type DeskDirectory,
  type DeskMember,
  type TicketDeskStore,
  UnknownDeskUserError,
} from "../../shared/core/desk-ports";
import type { AnswerEngine, EngineInput, EngineResult } from "../../shared/core/engine";
import type { FaqEntry } from "../../shared/core/faq";
import type { InboundMessage, InboundMessageInput, OutboundMessage } from "../../shared/core/message";
import { InboundMessageSchema } from "../../shared/core/message";
import { inspectedOnly } from "../../shared/core/outgoing";
import type { PickStore, StoredPick } from "../../shared/core/picks";
import type {
  ConversationStore,
  OutboxRecord,
  OutboxStore,
  PipelineDeps,
  TicketStore,
} from "../../shared/core/pipeline/ports";
import type { ConversationReview } from "../../shared/core/review";
import type { DueReview, ReviewQueue, ReviewStore } from "../../shared/core/review-pass";
import type { Agent } from "../../shared/core/routing";
import type { Ticket } from "../../shared/core/ticket";
import type { BlobStore, EntryState, FaqMeta, FaqRepository } from "../../shared/kb/import/ports";
import type { StoredFaqEntry } from "../../shared/kb/knowledge";
import type { ChangeStore, PendingChange } from "../../shared/kb/teach";
import { RETENTION } from "../../shared/resources";
import { LeaseLostError } from "../../shared/stores/faq";
import { memoryInspectionAudit } from "../../shared/stores/inspection-audit";
import { TICKET_TURN_MAX_BYTES } from "../../shared/stores/tickets";

/**
 * Every in-memory fake of the ports, in one place: the stores with the same contracts as the DynamoDB ones
 * (test/contract runs the same suite against both), the FAQ bucket, a scripted engine, the pipeline's
 * deps, and inbound messages.
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

/**
 * The tickets and ticket-turns tables in memory: the hand-off context kept like a conversation's history,
 * later turns cut to TICKET_TURN_MAX_BYTES and sorted by their time, once per id and time.
 */
export function memoryTickets(): TicketStore & {
  items: Map<string, Ticket>;
  /** The QA review's queue (the DynamoDB store's sparse byReviewDue index): every resolve joins it. */
  reviewDue: Map<string, DueReview>;
} {
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
 * The QA review queue over memoryTickets' resolves, as createReviewQueue over the tickets table; given
 * the tickets, a ticket graded without a rating stays queued when one has arrived since.
 */
export function memoryReviewQueue(due: Map<string, DueReview>, tickets?: Map<string, Ticket>): ReviewQueue {
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
      const ratedSince = graded?.rated === false && tickets?.get(d.ticketId)?.csat !== undefined;
      if (sameResolve(d) && !ratedSince) due.delete(d.ticketId);
    },
    async failedAttempt(d) {
      const found = due.get(d.ticketId);
      if (found && sameResolve(d)) found.attempts++;
    },
  };
}

/** The reviews table in memory: one review per ticket and resolve day. */
export function memoryReviews(): ReviewStore & { items: Map<string, ConversationReview> } {
  const items = new Map<string, ConversationReview>();
  return {
    items,
    async put(review) {
      items.set(`${review.resolvedAt.slice(0, 10)}#${review.ticketId}`, structuredClone(review));
    },
    async listDays(days) {
      return [...items.values()].filter((r) => days.includes(r.resolvedAt.slice(0, 10)));
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
  const audit = memoryInspectionAudit();
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
    async keywordAnswer(message) {
      keywords.push(message);
      return {
        channel: message.channel,
        conversationKey: message.conversationKey,
        to: message.sender.id,
        text: `[keyword ${message.text}]`,
        replyContext: message.replyContext,
        inReplyTo: message.id,
      };
    },
    texts: {
      disclosure: (_c, l) => (l === "zh" ? "[AI助手]" : "[AI assistant]"),
      welcome: (_c, l) => (l === "zh" ? "[欢迎][AI助手]" : "[welcome][AI assistant]"),
      handoff: (id) => `[handoff ${id}]`,
      mediaUnsupported: () => "[text only]",
      say: (name, language, _c, vars) =>
        `[${name}${vars?.topics ? ` ${vars.topics}` : ""}${language === "zh" ? " zh" : ""}]`,
    },
    inspection: { rules: async () => undefined, audit, fallback: "handoff" },
    detectLanguage: (text) => (/[\u4e00-\u9fff]/.test(text) ? "zh" : "en"),
    now: () => new Date("2026-11-21T10:00:00Z"),
    ...overrides,
  };
  // Behind the same door as the worker's senders: a message without its inspection fails the test.
  deps.send = inspectedOnly(deps.send);
  return { deps, sent, notified, keywords, conversations, tickets, outbox, audit };
}

/** An FAQ entry for a test whose answer is beside the point: unless given, it only names the entry (`answer:<id>`). */
export function faqEntry(
  id: string,
  question: string,
  similarQuestions: string[] = [],
  answer = `answer:${id}`,
): FaqEntry {
  return { id, question, similarQuestions, answer };
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
    text: "where is my parcel",
    receivedAt: "2026-11-21T10:00:00.000Z",
    ...overrides,
  });
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
 * The inbound FIFO queue in memory, deduplicating as SQS does: a message whose deduplication id
 * (fifoIds) was accepted within the window is accepted again and dropped, concurrent sends included.
 * `messages` is what the worker would receive; `now` moves the window in tests.
 */
export function memoryFifoQueue(now: () => Date = () => new Date()): StoreDeps & {
  messages: InboundMessage[];
} {
  const acceptedAt = new Map<string, number>();
  const messages: InboundMessage[] = [];
  return {
    messages,
    async enqueue(message) {
      const { deduplicationId } = fifoIds(message);
      const at = now().getTime();
      const earlier = acceptedAt.get(deduplicationId);
      if (earlier !== undefined && at - earlier < FIFO_DEDUPLICATION_WINDOW_MS) return;
      acceptedAt.set(deduplicationId, at);
      messages.push(message);
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

/** Queue bodies an earlier webhook stored in the FAQ bucket, in memory (the worker still reads them). */
export function memoryQueueBodies(): QueueBodyStore & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  return {
    objects,
    async get(key) {
      const body = objects.get(key);
      if (body === undefined) throw new Error(`NoSuchKey ${key}`);
      return body;
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

/** The desk's user directory (Cognito) in memory: the members of the agent and supervisor groups. */
export function memoryDirectory(members: DeskMember[] = []): DeskDirectory & { members: DeskMember[] } {
  return {
    members,
    async agents() {
      return members.map((member) => ({ ...member, groups: [...member.groups] }));
    },
    async setGroups(userId, groups) {
      const member = members.find((m) => m.id === userId);
      if (!member) throw new UnknownDeskUserError();
      member.groups = [...groups];
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
/** The desk's writes over memoryTickets' items; given its review queue, a rating queues the ticket again. */
export function memoryTicketDesk(
  items: Map<string, Ticket>,
  reviewDue?: Map<string, DueReview>,
): TicketDeskStore {
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
      if (reviewDue && t.resolvedAt)
        reviewDue.set(id, { ticketId: id, resolvedAt: t.resolvedAt, attempts: 0 });
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

/** One request the fake AWS endpoint received: the service's operation, its JSON input, its headers. */
export interface AwsFetchCall {
  url: string;
  /** `SendMessage`, `PutItem`, `GetSecretValue`… (the `X-Amz-Target` after the dot). */
  operation: string;
  input: Record<string, unknown>;
  headers: Headers;
}

/** What the fake answers an operation: a status and a JSON body, or a thrown error (no answer). */
export type AwsFetchAnswer =
  | { status: number; body?: Record<string, unknown>; headers?: Record<string, string> }
  | { throws: Error };

/**
 * AWS's JSON-protocol endpoints as a `fetch`, for the webhook's signed-fetch clients (shared/aws/fetch),
 * which aws-sdk-client-mock cannot reach: it records each request and answers by operation, `200 {}`
 * unless told otherwise (`answer`, for every call of an operation, or a function of the input).
 */
export function fakeAwsFetch() {
  const calls: AwsFetchCall[] = [];
  const answers = new Map<string, (call: AwsFetchCall) => AwsFetchAnswer>();
  const fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const call: AwsFetchCall = {
      url: String(url),
      operation: headers.get("x-amz-target")?.split(".")[1] ?? "",
      input: JSON.parse(String(init?.body ?? "{}")) as Record<string, unknown>,
      headers,
    };
    calls.push(call);
    const answer = answers.get(call.operation)?.(call) ?? { status: 200, body: {} };
    if ("throws" in answer) throw answer.throws;
    return new Response(JSON.stringify(answer.body ?? {}), {
      status: answer.status,
      headers: { "content-type": "application/x-amz-json-1.0", ...answer.headers },
    });
  };
  return {
    fetch: fetch as typeof globalThis.fetch,
    calls,
    /** Every later call of `operation` gets this answer. */
    answer(operation: string, answer: AwsFetchAnswer | ((call: AwsFetchCall) => AwsFetchAnswer)) {
      answers.set(operation, typeof answer === "function" ? answer : () => answer);
    },
    callsOf: (operation: string) => calls.filter((c) => c.operation === operation),
    reset() {
      calls.length = 0;
      answers.clear();
    },
  };
}

/**
 * A queue record as Lambda's SQS event source hands it to the worker: the message as its body (or the
 * body given), its conversation as the FIFO group, received `receiveCount` times.
 */
export function sqsRecord(
  message: InboundMessage,
  options: { receiveCount?: number; messageId?: string; body?: string } = {},
): SQSRecord {
  return {
    messageId: options.messageId ?? `sqs-${message.id}`,
    receiptHandle: "r",
    body: options.body ?? JSON.stringify(message),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: "0",
      SenderId: "s",
      ApproximateFirstReceiveTimestamp: "0",
      MessageGroupId: message.conversationKey,
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:kefu.fifo",
    awsRegion: "us-east-1",
  };
}
