import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ChannelStateStore } from "../../shared/channels/ports";
import type { TokenStore } from "../../shared/channels/tokens";
import {
  ConcurrentUpdateError,
  MAX_PROCESSED_IDS,
  MAX_TURNS,
  newConversation,
  type Turn,
} from "../../shared/core/conversation";
import type { AgentStore, TicketDeskStore } from "../../shared/core/desk/ports";
import type { ClarifyPick, PickStore } from "../../shared/core/picks";
import type {
  ConversationStore,
  OutboxRecord,
  OutboxStore,
  TicketStore,
} from "../../shared/core/pipeline/ports";
import type { ConversationReview } from "../../shared/core/quality/review";
import type { ReviewQueue, ReviewStore } from "../../shared/core/quality/review-pass";
import type { Ticket } from "../../shared/core/ticket";
import type { FaqRepository, FaqVersionRecord } from "../../shared/kb/import/ports";
import type { StoredFaqEntry } from "../../shared/kb/knowledge";
import type { ChangeStore, PendingChange } from "../../shared/kb/teach";
import { RETENTION } from "../../shared/resources";
import { LeaseLostError } from "../../shared/stores/faq";
import { TICKET_TURN_MAX_BYTES } from "../../shared/stores/tickets";

/**
 * What every store port promises, as one suite: test/unit/contract/stores.test.ts runs it against the
 * in-memory stores (shared/stores/memory.ts) and test/integration/contract.test.ts against the DynamoDB
 * stores on DynamoDB Local. A fake that drifts from DynamoDB (a condition it does not check, a cap it does not apply,
 * an order it does not keep, a TTL it does not write) fails here, not in a test that trusted it.
 *
 * The DynamoDB tables are shared by the whole integration run, so every key is fresh (randomUUID) and
 * lists are filtered to this suite's own items.
 */
/**
 * The token and channel-state contracts are exported alone too: the webhook's stores over signed
 * fetch (shared/aws/fetch) implement only those (test/integration/fetch-clients.test.ts).
 */
export interface StoreTarget {
  /** "in memory", "DynamoDB Local" */
  name: string;
  conversations(): ConversationStore;
  tickets(): TicketStore;
  outbox(): OutboxStore;
  tokens(): TokenStore;
  channelState(): ChannelStateStore;
  faq(): FaqRepository;
  changes(): ChangeStore;
  picks(): PickStore & {
    /** The TTL attribute (epoch seconds) stored with a pick, or undefined when it has none. */
    expiresAt(pick: Pick<ClarifyPick, "id" | "at">): Promise<number | undefined>;
  };
  agents(): AgentStore;
  /** The desk's writes and the QA review queue over the tickets the ticket store writes (one table). */
  ticketDesk(): { tickets: TicketStore; desk: TicketDeskStore; reviewQueue: ReviewQueue };
  reviews(): ReviewStore & {
    /** The TTL attribute (epoch seconds) stored with a review, or undefined when it has none. */
    expiresAt(review: Pick<ConversationReview, "ticketId" | "resolvedAt">): Promise<number | undefined>;
  };
  /** The TTL attribute (epoch seconds) stored with an item, or undefined when it has none. */
  expiresAt: Record<"conversation" | "outbox" | "token" | "channelState", TtlProbe>;
}

export type TtlProbe = (key: string) => Promise<number | undefined>;

const DAY_S = 86_400;
const epochS = (date: Date) => Math.floor(date.getTime() / 1000);
const fresh = (prefix: string) => `${prefix}-${randomUUID()}`;

/**
 * The contract's days are today's and the next two (UTC), never fixed dates: DynamoDB Local deletes an
 * item whose TTL has passed within seconds (an item written "in the past" vanished mid-test), and a
 * fixed date would put every TTL in the past once the calendar passes it. Token leases, seconds long,
 * start from the clock itself (tokenContract's T0).
 */
const utcDay = (offset: number) =>
  new Date(Math.floor(Date.now() / 86_400_000 + offset) * 86_400_000).toISOString().slice(0, 10);
const D0 = utcDay(0);
const D1 = utcDay(1);
const D2 = utcDay(2);

export function describeStoreContract(target: StoreTarget): void {
  describe(`the store contract: ${target.name}`, () => {
    conversationContract(target);
    ticketContract(target);
    outboxContract(target);
    tokenContract(target);
    channelStateContract(target);
    faqContract(target);
    changesContract(target);
    picksContract(target);
    agentsContract(target);
    ticketDeskContract(target);
    reviewsContract(target);
  });
}

function conversationContract(target: StoreTarget) {
  describe("conversations", () => {
    const now = new Date(`${D0}T10:00:00.000Z`);
    const start = (key: string) =>
      newConversation({ conversationKey: key, channel: "wechat", customerId: "o", now });

    it("reads nothing for an unknown key", async () => {
      expect(await target.conversations().get(fresh("wechat:gh:none"))).toBeUndefined();
    });

    it("saves with the next revision and the save time, and reads back what it returned", async () => {
      const store = target.conversations();
      const key = fresh("wechat:gh:o");
      const saved = await store.save(start(key), now);
      expect(saved).toMatchObject({ revision: 1, updatedAt: now.toISOString() });
      expect(await store.get(key)).toEqual(saved);
      saved.turns.push({ role: "customer", text: "not saved", at: now.toISOString() });
      expect((await store.get(key))?.turns).toEqual([]);
    });

    it("refuses a save from a stale read with ConcurrentUpdateError", async () => {
      const store = target.conversations();
      const key = fresh("wechat:gh:o");
      const first = await store.save(start(key), now);
      const a = await store.get(key);
      const b = await store.get(key);
      if (!a || !b) throw new Error("saved conversation not found");
      expect((await store.save(a, now)).revision).toBe(first.revision + 1);
      await expect(store.save(b, now)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    });

    it("keeps the newest turns within the caps, counts the others, and the newest processed ids", async () => {
      const store = target.conversations();
      const key = fresh("wechat:gh:o");
      const turns: Turn[] = Array.from({ length: MAX_TURNS + 10 }, (_, i) => ({
        role: "customer",
        text: `t${i}`,
        at: now.toISOString(),
      }));
      const processedIds = Array.from({ length: MAX_PROCESSED_IDS + 5 }, (_, i) => `m${i}`);
      const saved = await store.save({ ...start(key), turns, processedIds }, now);
      const loaded = await store.get(key);
      expect(loaded).toEqual(saved);
      expect(loaded?.turns.map((t) => t.text)).toEqual(turns.slice(10).map((t) => t.text));
      expect(loaded?.omittedTurns).toBe(10);
      expect(loaded?.processedIds).toEqual(processedIds.slice(5));
    });

    it(`expires ${RETENTION.conversationDays} days after the last save`, async () => {
      const store = target.conversations();
      const key = fresh("wechat:gh:o");
      await store.save(start(key), now);
      expect(await target.expiresAt.conversation(key)).toBe(epochS(now) + RETENTION.conversationDays * DAY_S);
    });
  });
}

function ticketContract(target: StoreTarget) {
  describe("tickets and their turns", () => {
    const ticket = (id: string, createdAt: string, transcript?: Turn[]): Ticket => ({
      ticketId: id,
      conversationKey: "wechat:gh:o",
      channel: "wechat",
      customerId: "o",
      reason: "customer_request",
      priority: "normal",
      status: "open",
      transcript: transcript ?? [{ role: "customer", text: "转人工", at: createdAt }],
      candidates: [],
      createdAt,
      updatedAt: createdAt,
    });

    it("reads nothing for an unknown ticket", async () => {
      const store = target.tickets();
      const id = fresh("KF-NONE");
      expect(await store.get(id)).toBeUndefined();
      expect(await store.status(id)).toBeUndefined();
    });

    it("creates once: creating the same id again returns the first ticket", async () => {
      const store = target.tickets();
      const id = fresh("KF-ONCE");
      const created = await store.create(ticket(id, `${D0}T10:00:00.000Z`));
      const again = await store.create({
        ...ticket(id, `${D0}T12:00:00.000Z`),
        reason: "low_confidence",
      });
      expect(again).toEqual(created);
      expect(await store.get(id)).toEqual(created);
      expect(await store.status(id)).toBe("open");
    });

    it("keeps the conversation at the hand-off within a conversation's caps, and returns what it stored", async () => {
      const store = target.tickets();
      const id = fresh("KF-CAP");
      const transcript: Turn[] = Array.from({ length: MAX_TURNS + 20 }, (_, i) => ({
        role: "customer",
        text: `${i}`,
        at: `${D0}T09:00:00.000Z`,
      }));
      const created = await store.create(ticket(id, `${D0}T10:00:00.000Z`, transcript));
      expect(created.transcript.map((t) => t.text)).toEqual(transcript.slice(20).map((t) => t.text));
      expect(created.omittedTurns).toBe(20);
      expect(await store.get(id)).toEqual(created);
    });

    it("sorts later turns by their time, stores a turn once per id, and every turn without one", async () => {
      const store = target.tickets();
      const id = fresh("KF-TURNS");
      await store.create(ticket(id, `${D0}T10:00:00.000Z`));
      const turn = (text: string, minute: number): Turn => ({
        role: "customer",
        text,
        at: `${D0}T10:${String(minute).padStart(2, "0")}:00.000Z`,
      });
      await store.append(id, turn("third", 9), { id: "wechat#3" });
      await store.append(id, turn("first", 5), { id: "wechat#1" });
      await store.append(id, turn("first", 5), { id: "wechat#1" });
      await store.append(id, turn("second, same second", 5), { id: "wechat#2" });
      await store.append(id, { ...turn("agent", 9), role: "agent" });
      await store.append(id, { ...turn("agent", 9), role: "agent" });
      expect((await store.get(id))?.transcript.map((t) => t.text)).toEqual([
        "转人工",
        "first",
        "second, same second",
        "third",
        "agent",
        "agent",
      ]);
    });

    it(`cuts a turn longer than ${TICKET_TURN_MAX_BYTES} bytes and says how much was cut`, async () => {
      const store = target.tickets();
      const id = fresh("KF-LONG");
      await store.create(ticket(id, `${D0}T10:00:00.000Z`));
      const huge = "长".repeat(60_000);
      await store.append(id, { role: "customer", text: huge, at: `${D0}T10:01:00.000Z` }, { id: "e#1" });
      const cut = (await store.get(id))?.transcript[1];
      expect(Buffer.byteLength(cut?.text ?? "")).toBeLessThanOrEqual(TICKET_TURN_MAX_BYTES);
      expect(huge.startsWith(cut?.text ?? "-")).toBe(true);
      expect((cut?.omittedBytes ?? 0) + Buffer.byteLength(cut?.text ?? "")).toBe(Buffer.byteLength(huge));
    });

    it("reads back an agent turn's author, suggestion and unconfirmed delivery", async () => {
      const store = target.tickets();
      const id = fresh("KF-TURN");
      await store.create(ticket(id, `${D0}T10:00:00.000Z`));
      const agentTurn: Turn = {
        role: "agent",
        text: "您好，已退款。",
        at: `${D0}T10:05:00.000Z`,
        agent: "agent-1",
        suggestion: { kind: "faq", id: "faq:refund", edited: true },
        delivery: "unknown",
      };
      await store.append(id, agentTurn);
      expect((await store.get(id))?.transcript.at(-1)).toEqual(agentTurn);
    });

    it("refuses to append to or resolve a ticket that does not exist", async () => {
      const store = target.tickets();
      const id = fresh("KF-MISSING");
      await expect(
        store.append(id, { role: "customer", text: "x", at: `${D0}T10:00:00.000Z` }),
      ).rejects.toThrow();
      await expect(store.resolve(id)).rejects.toThrow();
      expect(await store.get(id)).toBeUndefined();
    });

    it("resolves with the time, and lists each status newest first with whole transcripts", async () => {
      const store = target.tickets();
      const older = fresh("KF-OLD");
      const newer = fresh("KF-NEW");
      // Far ahead of every other test's tickets: the list is newest first and DynamoDB's is shared.
      await store.create(ticket(older, "2999-11-21T10:00:00.000Z"));
      await store.create(ticket(newer, "2999-11-21T11:00:00.000Z"));
      await store.append(older, { role: "agent", text: "您好", at: "2999-11-21T10:05:00.000Z" });
      const ours = (tickets: Ticket[]) => tickets.filter((t) => t.ticketId === older || t.ticketId === newer);

      const open = ours(await store.listByStatus("open"));
      expect(open.map((t) => t.ticketId)).toEqual([newer, older]);
      expect(open[1]?.transcript.map((t) => t.text)).toEqual(["转人工", "您好"]);

      const at = new Date(`${D0}T12:00:00.000Z`);
      await store.resolve(older, at);
      expect(await store.status(older)).toBe("resolved");
      expect(await store.get(older)).toMatchObject({
        resolvedAt: at.toISOString(),
        updatedAt: at.toISOString(),
      });
      expect(ours(await store.listByStatus("open")).map((t) => t.ticketId)).toEqual([newer]);
      expect(ours(await store.listByStatus("resolved")).map((t) => t.ticketId)).toEqual([older]);
    });
  });
}

function outboxContract(target: StoreTarget) {
  describe("outbox", () => {
    const now = new Date(`${D0}T10:00:00.000Z`);
    const record = (key: string, partsSent: number): OutboxRecord => ({
      messageKey: key,
      plan: { kind: "answer", parts: ["一", "二"] },
      partsSent,
      done: partsSent === 2,
    });

    it("reads nothing for an unknown message, then the record last put, without its TTL", async () => {
      const store = target.outbox();
      const key = fresh("wechat:gh#m");
      expect(await store.get(key)).toBeUndefined();
      await store.put(record(key, 1), now);
      await store.put(record(key, 2), now);
      expect(await store.get(key)).toEqual(record(key, 2));
    });

    it("creates a record only for a message that has none, else returns the one that stands", async () => {
      const store = target.outbox();
      const key = fresh("wechat:gh#m");
      expect(await store.create(record(key, 0), now)).toBeUndefined();
      expect(await store.get(key)).toEqual(record(key, 0));
      await store.put(record(key, 1), now);
      const other = { ...record(key, 0), plan: { kind: "answer", parts: ["另一个"] } };
      expect(await store.create(other, now)).toEqual(record(key, 1));
      expect(await store.get(key)).toEqual(record(key, 1));
    });

    it(`expires ${RETENTION.outboxDays} days after the last put`, async () => {
      const store = target.outbox();
      const key = fresh("wechat:gh#m");
      await store.put(record(key, 0), now);
      expect(await target.expiresAt.outbox(key)).toBe(epochS(now) + RETENTION.outboxDays * DAY_S);
    });
  });
}

export function tokenContract(target: Pick<StoreTarget, "tokens"> & { expiresAt: { token: TtlProbe } }) {
  describe("access tokens", () => {
    const T0 = Date.now();
    const at = (now: number, leaseMs = 10_000, refreshBefore = now + 300_000) => ({
      now,
      leaseUntil: now + leaseMs,
      refreshBefore,
    });

    it("gives the refresh lease to one owner at a time, and to another once it lapsed", async () => {
      const store = target.tokens();
      const name = fresh("wechat:app");
      expect(await store.read(name)).toBeUndefined();
      expect(await store.acquireLease(name, "a", at(T0))).toBe(true);
      expect(await store.read(name)).toEqual({
        token: undefined,
        tokenExpiresAt: undefined,
        leaseUntil: T0 + 10_000,
      });
      expect(await store.acquireLease(name, "b", at(T0 + 10_000))).toBe(false);
      expect(await store.acquireLease(name, "b", at(T0 + 10_001))).toBe(true);
      expect(await store.save(name, "a", "stolen", T0 + 7_200_000)).toBe(false);
    });

    it("saves the token only for the lease holder, releasing the lease, and keeps a fresh token from refresh", async () => {
      const store = target.tokens();
      const name = fresh("wechat:app");
      const expires = T0 + 7_200_000;
      await store.acquireLease(name, "a", at(T0));
      expect(await store.save(name, "b", "t-b", expires)).toBe(false);
      expect(await store.save(name, "a", "t-a", expires)).toBe(true);
      expect(await store.read(name)).toEqual({
        token: "t-a",
        tokenExpiresAt: expires,
        leaseUntil: undefined,
      });
      expect(await store.acquireLease(name, "b", at(T0 + 1, 10_000, expires))).toBe(false);
      expect(await store.acquireLease(name, "b", at(T0 + 1, 10_000, expires + 1))).toBe(true);
    });

    it("releases only its own lease", async () => {
      const store = target.tokens();
      const name = fresh("wechat:app");
      await store.acquireLease(name, "a", at(T0));
      await store.releaseLease(name, "b");
      expect(await store.acquireLease(name, "b", at(T0 + 1))).toBe(false);
      await store.releaseLease(name, "a");
      expect(await store.acquireLease(name, "b", at(T0 + 1))).toBe(true);
    });

    it("invalidates only the token it names, keeping a newer one", async () => {
      const store = target.tokens();
      const name = fresh("wechat:app");
      await store.acquireLease(name, "a", at(T0));
      await store.save(name, "a", "t-2", T0 + 7_200_000);
      await store.invalidate(name, "t-1");
      expect((await store.read(name))?.token).toBe("t-2");
      await store.invalidate(name, "t-2");
      expect(await store.read(name)).toEqual({
        token: undefined,
        tokenExpiresAt: undefined,
        leaseUntil: undefined,
      });
    });

    it("expires a day after the token does", async () => {
      const store = target.tokens();
      const name = fresh("wechat:app");
      const expires = T0 + 7_200_000;
      await store.acquireLease(name, "a", at(T0));
      await store.save(name, "a", "t", expires);
      expect(await target.expiresAt.token(name)).toBe(Math.ceil(expires / 1000) + DAY_S);
    });
  });
}

export function channelStateContract(
  target: Pick<StoreTarget, "channelState"> & { expiresAt: { channelState: TtlProbe } },
) {
  describe("channel state", () => {
    it("reads nothing for an unknown key, then a copy of the value last put", async () => {
      const store = target.channelState();
      const key = fresh("test:cursor");
      expect(await store.get(key)).toBeUndefined();
      const value = { cursor: "c1", seen: ["a"] };
      await store.put(key, value);
      value.seen.push("changed after put");
      await store.put(fresh("test:other"), { cursor: "other" });
      expect(await store.get(key)).toEqual({ cursor: "c1", seen: ["a"] });
    });

    it("writes conditionally on the revision it read, also over a value without one", async () => {
      const store = target.channelState();
      const key = fresh("test:revision");
      expect(await store.putIfRevision(key, { n: "a", revision: 1 }, undefined)).toBe(true);
      expect(await store.putIfRevision(key, { n: "b", revision: 1 }, undefined)).toBe(false);
      expect(await store.putIfRevision(key, { n: "c", revision: 2 }, 1)).toBe(true);
      expect(await store.putIfRevision(key, { n: "d", revision: 2 }, 1)).toBe(false);
      expect(await store.get(key)).toEqual({ n: "c", revision: 2 });

      const legacy = fresh("test:legacy");
      await store.put(legacy, { optedOut: true });
      expect(await store.putIfRevision(legacy, { optedOut: false, revision: 1 }, 0)).toBe(false);
      expect(await store.putIfRevision(legacy, { optedOut: false, revision: 1 }, undefined)).toBe(true);
    });

    it("expires a value put with a TTL that long after the put, and keeps one put without", async () => {
      const store = target.channelState();
      const key = fresh("test:ttl");
      const before = Math.floor(Date.now() / 1000);
      await store.put(key, { optedOut: true }, 3600);
      const after = Math.floor(Date.now() / 1000);
      const expiresAt = await target.expiresAt.channelState(key);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 3600);
      expect(expiresAt).toBeLessThanOrEqual(after + 3600);
      const kept = fresh("test:ttl");
      await store.put(kept, { optedOut: true });
      expect(await target.expiresAt.channelState(kept)).toBeUndefined();
    });
  });
}

function faqContract(target: StoreTarget) {
  describe("FAQ repository", () => {
    const entry = (id: string, extra: Partial<StoredFaqEntry> = {}): StoredFaqEntry => ({
      id,
      question: `q ${id}`,
      answer: `a ${id}`,
      similarQuestions: [`sq ${id}`],
      contentHash: `h-${id}`,
      updatedAt: `${D0}T10:00:00.000Z`,
      version: "v1",
      ...extra,
    });
    const version = (v: string, kb: string): FaqVersionRecord => ({
      version: v,
      at: `${D0}T10:00:00.000Z`,
      upload: `uploads/${kb}/faq.jsonl`,
      entryCount: 1,
      snapshotKey: `versions/${kb}/${v}.jsonl`,
    });
    const kbName = () => `kb_${randomUUID().slice(0, 8)}`;

    it("starts empty: no version, no history, nothing queued", async () => {
      const repo = target.faq();
      const kb = kbName();
      expect(await repo.currentVersion(kb)).toBeUndefined();
      expect(await repo.loadEntries(kb)).toEqual({ version: "", entries: [] });
      expect(await repo.getMeta(kb)).toEqual({
        version: undefined,
        updatedAt: undefined,
        history: [],
        lease: undefined,
        pending: undefined,
        queued: [],
      });
      expect(await repo.entryStates(kb)).toEqual(new Map());
    });

    it("writes, reads in id order (bytes, as DynamoDB sorts), deletes, and keeps knowledge bases apart", async () => {
      const repo = target.faq();
      const kb = kbName();
      const other = kbName();
      const vectors = { modelId: "m", values: [new Float32Array([0.5, -1]), new Float32Array([0.25, 2])] };
      await repo.putEntries(kb, [entry("b"), entry("B", { category: "退货" }), entry("a", { vectors })]);
      await repo.putEntries(other, [entry("z")]);
      const { entries } = await repo.loadEntries(kb);
      expect(entries.map((e) => e.id)).toEqual(["B", "a", "b"]);
      expect(entries[0]).toEqual(entry("B", { category: "退货" }));
      expect(entries[1]?.vectors?.modelId).toBe("m");
      expect(entries[1]?.vectors?.values.map((v) => [...v])).toEqual([
        [0.5, -1],
        [0.25, 2],
      ]);
      expect((await repo.loadEntries(kb, { vectors: false })).entries[1]).toEqual(entry("a"));
      expect(await repo.entryStates(kb)).toEqual(
        new Map([
          ["B", { contentHash: "h-B", version: "v1" }],
          ["a", { contentHash: "h-a", modelId: "m", version: "v1" }],
          ["b", { contentHash: "h-b", version: "v1" }],
        ]),
      );
      await repo.deleteEntries(kb, ["a", "B", "not-there"]);
      expect((await repo.loadEntries(kb)).entries.map((e) => e.id)).toEqual(["b"]);
      expect((await repo.loadEntries(other)).entries.map((e) => e.id)).toEqual(["z"]);
    });

    it("keeps out-of-scope wordings marked as such, with and without vectors", async () => {
      const repo = target.faq();
      const kb = kbName();
      const wordings = entry("out-of-scope-c1", { answer: "", outOfScope: true });
      await repo.putEntries(kb, [entry("a"), wordings]);
      for (const vectors of [true, false]) {
        const { entries } = await repo.loadEntries(kb, { vectors });
        expect(entries).toEqual([entry("a"), wordings]);
      }
    });

    it("gives the import lease to one owner, renews it for that owner, and hands over an expired one", async () => {
      const repo = target.faq();
      const kb = kbName();
      expect(await repo.acquireLease(kb, "a", 1_000, 100)).toBe(true);
      expect(await repo.acquireLease(kb, "b", 1_100, 100)).toBe(false);
      expect(await repo.acquireLease(kb, "a", 1_100, 100)).toBe(true);
      expect((await repo.getMeta(kb)).lease).toEqual({ owner: "a", expiresAt: 1_200 });
      expect(await repo.acquireLease(kb, "b", 1_201, 100)).toBe(true);
      expect(await repo.acquireLease(kb, "other-kb-owner", 1_201, 100)).toBe(false);
      expect(await repo.acquireLease(kbName(), "other-kb-owner", 1_201, 100)).toBe(true);
    });

    it("lets only the lease holder checkpoint and commit (LeaseLostError otherwise)", async () => {
      const repo = target.faq();
      const kb = kbName();
      const pending = {
        version: "v1",
        upload: "uploads/faq.jsonl",
        fileSha256: "f",
        startedAt: `${D0}T10:00:00.000Z`,
        counts: { total: 1, inserted: 1, updated: 0, unchanged: 0, deleted: 0, rejected: 0 },
        failed: [],
      };
      await expect(repo.savePending(kb, "a", pending, 5_000)).rejects.toBeInstanceOf(LeaseLostError);
      await expect(repo.commitVersion(kb, "a", version("v1", kb))).rejects.toBeInstanceOf(LeaseLostError);
      await repo.acquireLease(kb, "a", 1_000, 100);
      await repo.savePending(kb, "a", pending, 5_000);
      expect(await repo.getMeta(kb)).toMatchObject({ pending, lease: { owner: "a", expiresAt: 5_000 } });
      await expect(repo.savePending(kb, "b", pending, 5_000)).rejects.toBeInstanceOf(LeaseLostError);
      expect(await repo.currentVersion(kb)).toBeUndefined();
    });

    it("commits versions newest first, replacing a recommitted one, keeping the last 20", async () => {
      const repo = target.faq();
      const kb = kbName();
      await repo.acquireLease(kb, "a", 1_000, 60_000);
      for (let i = 1; i <= 22; i++) await repo.commitVersion(kb, "a", version(`v${i}`, kb));
      await repo.commitVersion(kb, "a", { ...version("v22", kb), entryCount: 2 });
      const meta = await repo.getMeta(kb);
      expect(await repo.currentVersion(kb)).toBe("v22");
      expect((await repo.loadEntries(kb)).version).toBe("v22");
      expect(meta.updatedAt).toBe(`${D0}T10:00:00.000Z`);
      expect(meta.history.map((h) => h.version)).toEqual(Array.from({ length: 20 }, (_, i) => `v${22 - i}`));
      expect(meta.history[0]?.entryCount).toBe(2);
    });

    it("queues each upload once behind the lease, and hands them over on release, to the holder only", async () => {
      const repo = target.faq();
      const kb = kbName();
      await repo.acquireLease(kb, "a", 1_000, 60_000);
      await repo.enqueue(kb, "uploads/2.jsonl");
      await repo.enqueue(kb, "uploads/1.jsonl");
      await repo.enqueue(kb, "uploads/2.jsonl");
      expect((await repo.getMeta(kb)).queued.sort()).toEqual(["uploads/1.jsonl", "uploads/2.jsonl"]);
      expect(await repo.releaseLease(kb, "b")).toEqual([]);
      expect((await repo.releaseLease(kb, "a")).sort()).toEqual(["uploads/1.jsonl", "uploads/2.jsonl"]);
      expect(await repo.getMeta(kb)).toMatchObject({ lease: undefined, pending: undefined, queued: [] });
      expect(await repo.releaseLease(kb, "a")).toEqual([]);
      expect(await repo.acquireLease(kb, "b", 1_001, 100)).toBe(true);
    });
  });
}

function changesContract(target: StoreTarget) {
  describe("pending changes", () => {
    const change = (kind: PendingChange["kind"], createdAt: string, extra: Partial<PendingChange> = {}) =>
      ({
        id: fresh("change"),
        kind,
        status: "pending",
        author: "sup-1",
        createdAt,
        ...extra,
      }) as PendingChange;

    it("keeps each kind whole, lists by status newest first, and lets one decision win", async () => {
      const changes = target.changes();
      const outOfScope = change("out_of_scope", `${D0}T10:00:02.000Z`, {
        text: "天气怎么样",
        texts: ["天气怎么样", "明天下雨吗"],
        suggestionId: "s-1",
        ticketId: "T-1",
      });
      const phrasing = change("phrasing", `${D0}T10:00:01.000Z`, { faqId: "refund", text: "退款" });
      await changes.create(phrasing);
      await changes.create(outOfScope);
      await expect(changes.create(outOfScope)).rejects.toThrow();
      expect(await changes.get(outOfScope.id)).toEqual(outOfScope);
      const mine = (list: PendingChange[]) => list.filter((c) => [phrasing.id, outOfScope.id].includes(c.id));
      expect(mine(await changes.list("pending")).map((c) => c.id)).toEqual([outOfScope.id, phrasing.id]);

      const at = new Date(`${D0}T11:00:00.000Z`);
      const upload = `uploads/teach-${outOfScope.id}.jsonl`;
      expect(await changes.decide(outOfScope.id, { status: "approved", by: "sup-2", at, upload })).toBe(true);
      expect(await changes.decide(outOfScope.id, { status: "rejected", by: "sup-3", at })).toBe(false);
      expect(await changes.get(outOfScope.id)).toEqual({
        ...outOfScope,
        status: "approved",
        decidedBy: "sup-2",
        decidedAt: at.toISOString(),
        upload,
      });
      expect(mine(await changes.list("approved")).map((c) => c.id)).toEqual([outOfScope.id]);
      expect(mine(await changes.list("pending")).map((c) => c.id)).toEqual([phrasing.id]);
    });
  });
}

function picksContract(target: StoreTarget) {
  describe("clarify picks", () => {
    const pick = (at: string, extra: Partial<ClarifyPick> = {}): ClarifyPick => ({
      id: fresh("pick"),
      wording: "退款要多久",
      faqId: "refund-time",
      offered: ["refund-time", "refund-how", "cancel"],
      kbVersion: "v-7",
      channel: "wecom",
      at,
      ...extra,
    });
    const mine = (list: ClarifyPick[], ...picks: ClarifyPick[]) =>
      list.filter((p) => picks.some((q) => q.id === p.id)).sort((a, b) => a.at.localeCompare(b.at));

    it("lists each pick whole under the UTC day it arrived, kept for the suggestions' window", async () => {
      const picks = target.picks();
      const late = pick(`${D0}T23:59:59.000Z`);
      const next = pick(`${D1}T00:00:00.000Z`, { channel: "sms", wording: "how long is a refund" });
      const { kbVersion: _v, ...unversioned } = pick(`${D1}T08:00:00.000Z`);
      await picks.record(late);
      await picks.record(next);
      await picks.record(unversioned);
      expect(mine(await picks.listDays([D0]), late, next, unversioned)).toEqual([late]);
      expect(mine(await picks.listDays([D0, D1]), late, next, unversioned)).toEqual([
        late,
        next,
        unversioned,
      ]);
      expect(await picks.expiresAt(late)).toBe(epochS(new Date(late.at)) + RETENTION.pickDays * DAY_S);
    });

    it("keeps the first record of a pick and the decision on it; marks only picks that exist", async () => {
      const picks = target.picks();
      const first = pick(`${D2}T10:00:00.000Z`);
      await picks.record(first);
      await picks.markHandled([first], "taught as phrasings of refund-time");
      // The same message redelivered: recorded again, the decision stays.
      await picks.record({ ...first, faqId: "cancel" });
      const never = pick(`${D2}T11:00:00.000Z`);
      await picks.markHandled([never], "dismissed");
      expect(mine(await picks.listDays([D2]), first, never)).toEqual([
        { ...first, handled: "taught as phrasings of refund-time" },
      ]);
    });
  });
}

function agentsContract(target: StoreTarget) {
  describe("agents and their load", () => {
    const now = new Date(`${D0}T10:00:00.000Z`);
    const later = new Date(`${D0}T11:00:00.000Z`);

    it("reads nothing for an unknown agent; configures one with defaults for what it was not given", async () => {
      const agents = target.agents();
      const id = fresh("agent");
      expect(await agents.get(id)).toBeUndefined();
      const configured = await agents.configure(
        id,
        { skills: ["vip", "lang:zh", "vip"], maxConcurrent: 2 },
        now,
      );
      expect(configured).toEqual({
        id,
        displayName: id,
        groups: [],
        skills: ["lang:zh", "vip"],
        status: "away",
        maxConcurrent: 2,
        openTickets: 0,
        updatedAt: now.toISOString(),
      });
      expect(await agents.get(id)).toEqual(configured);
      const renamed = await agents.configure(id, { displayName: "李", groups: ["after-sales"] }, later);
      expect(renamed).toEqual({
        ...configured,
        displayName: "李",
        groups: ["after-sales"],
        updatedAt: later.toISOString(),
      });
    });

    it("sets the status, coming online as the start of idle time, and lists agents by id", async () => {
      const agents = target.agents();
      const b = `${fresh("agent")}-b`;
      const a = b.replace(/-b$/, "-a");
      expect(await agents.setStatus(b, "online", now)).toMatchObject({
        id: b,
        status: "online",
        openTickets: 0,
        maxConcurrent: 5,
        lastAssignedAt: now.toISOString(),
        updatedAt: now.toISOString(),
      });
      expect(await agents.setStatus(b, "away", later)).toMatchObject({
        status: "away",
        lastAssignedAt: now.toISOString(),
        updatedAt: later.toISOString(),
      });
      await agents.configure(a, {}, now);
      const ours = (await agents.list()).filter((agent) => agent.id === a || agent.id === b);
      expect(ours.map((agent) => agent.id)).toEqual([a, b]);
    });

    it("signs an agent in online, whatever they chose before", async () => {
      const agents = target.agents();
      const first = fresh("agent");
      expect(await agents.signIn(first, now)).toMatchObject({ id: first, status: "online" });
      // Configured by a supervisor before their first sign-in: away until they sign in, then online.
      const configured = fresh("agent");
      expect(await agents.configure(configured, { displayName: "王" }, now)).toMatchObject({
        status: "away",
      });
      expect(await agents.signIn(configured, later)).toMatchObject({ status: "online", displayName: "王" });
      // Away (chosen, or set by signing out) until the next sign-in.
      const chose = fresh("agent");
      await agents.setStatus(chose, "away", now);
      expect(await agents.get(chose)).toMatchObject({ status: "away" });
      expect(await agents.signIn(chose, later)).toMatchObject({ status: "online" });
    });

    it("reserves a slot only for an online agent below capacity, and gives slots back down to zero", async () => {
      const agents = target.agents();
      const id = fresh("agent");
      expect(await agents.reserve(id, now)).toBe(false);
      expect(await agents.get(id)).toBeUndefined();
      await agents.configure(id, { maxConcurrent: 2 }, now);
      expect(await agents.reserve(id, now)).toBe(false);
      await agents.setStatus(id, "online", now);
      expect(await agents.reserve(id, later)).toBe(true);
      expect(await agents.reserve(id, later)).toBe(true);
      expect(await agents.reserve(id, later)).toBe(false);
      expect(await agents.get(id)).toMatchObject({
        openTickets: 2,
        lastAssignedAt: later.toISOString(),
        updatedAt: later.toISOString(),
      });
      await agents.release(id);
      await agents.release(id);
      await agents.release(id);
      expect((await agents.get(id))?.openTickets).toBe(0);
      const unknown = fresh("agent");
      await agents.release(unknown);
      expect(await agents.get(unknown)).toBeUndefined();
    });

    it("restores a slot whatever the capacity, to an agent it may not have seen yet", async () => {
      const agents = target.agents();
      const full = fresh("agent");
      await agents.configure(full, { maxConcurrent: 1 }, now);
      await agents.setStatus(full, "online", now);
      expect(await agents.reserve(full, now)).toBe(true);
      await agents.restore(full, later);
      expect(await agents.get(full)).toMatchObject({ openTickets: 2, lastAssignedAt: later.toISOString() });
      const unseen = fresh("agent");
      await agents.restore(unseen, later);
      expect(await agents.get(unseen)).toEqual({
        id: unseen,
        displayName: unseen,
        groups: [],
        skills: [],
        status: "away",
        maxConcurrent: 5,
        openTickets: 1,
        lastAssignedAt: later.toISOString(),
        updatedAt: later.toISOString(),
      });
    });
  });
}

function ticketDeskContract(target: StoreTarget) {
  describe("the desk's ticket fields and the QA review queue", () => {
    const now = new Date(`${D0}T10:00:00.000Z`);
    const ticket = (id: string, extra: Partial<Ticket> = {}): Ticket => ({
      ticketId: id,
      conversationKey: "sms:+8613800000000",
      channel: "sms",
      customerId: "+8613800000000",
      reason: "customer_request",
      priority: "normal",
      status: "open",
      transcript: [{ role: "customer", text: "转人工", at: now.toISOString() }],
      candidates: [],
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      ...extra,
    });
    const withSla = (id: string) =>
      ticket(id, {
        sla: {
          firstResponseDueAt: `${D0}T10:30:00.000Z`,
          resolutionDueAt: `${D1}T10:00:00.000Z`,
          breached: [],
        },
      });

    it("assigns an open ticket once, and never one that does not exist", async () => {
      const { tickets, desk } = target.ticketDesk();
      const id = fresh("KF-ASSIGN");
      await tickets.create(ticket(id));
      expect(await desk.assign(id, "li", now)).toBe(true);
      expect(await desk.assign(id, "wang", now)).toBe(false);
      expect(await tickets.get(id)).toMatchObject({ status: "assigned", assignee: "li" });
      expect(await desk.assign(fresh("KF-NONE"), "li", now)).toBe(false);
    });

    it("lists running deadlines due by a time, soonest first, and drops a stopped clock", async () => {
      const { tickets, desk } = target.ticketDesk();
      // Deadlines decades before any other test's, so the shared index's first items are these.
      const minute = 1 + Math.floor(Math.random() * 1_000_000);
      const due = (m: number) => new Date(Date.UTC(1971, 0, 1) + (minute + m) * 60_000).toISOString();
      const [a, b, c] = [fresh("KF-SLA-A"), fresh("KF-SLA-B"), fresh("KF-SLA-C")];
      for (const id of [a, b, c]) await tickets.create(withSla(id));
      await desk.moveClock(a, due(2));
      await desk.moveClock(b, due(1));
      await desk.moveClock(c, due(5));
      const ours = (list: Ticket[]) => list.map((t) => t.ticketId).filter((id) => [a, b, c].includes(id));
      expect(ours(await desk.slaDue(new Date(due(3))))).toEqual([b, a]);
      expect((await desk.slaDue(new Date(due(3)), 1)).map((t) => t.ticketId)).toEqual([b]);
      const [first] = await desk.slaDue(new Date(due(3)), 1);
      expect(first).toMatchObject({
        ticketId: b,
        slaClock: "running",
        slaNextDueAt: due(1),
        sla: { breached: [] },
      });
      await desk.moveClock(b, undefined);
      expect(ours(await desk.slaDue(new Date(due(3))))).toEqual([a]);
      const stopped = await tickets.get(b);
      expect(stopped?.slaClock).toBeUndefined();
      expect(stopped?.slaNextDueAt).toBeUndefined();
      await expect(desk.moveClock(fresh("KF-NONE"), due(1))).rejects.toThrow();
    });

    it("records breaches read from the ticket as it was, once, and stops the clock after the last", async () => {
      const { tickets, desk } = target.ticketDesk();
      const id = fresh("KF-BREACH");
      await tickets.create(withSla(id));
      await desk.moveClock(id, `${D0}T10:30:00.000Z`);
      const first = { breachedBefore: 0, breached: ["first_response" as const], priority: "high" as const };
      expect(await desk.recordBreach(id, { ...first, nextDueAt: `${D1}T10:00:00.000Z` }, now)).toBe(true);
      expect(await desk.recordBreach(id, { ...first, nextDueAt: `${D1}T10:00:00.000Z` }, now)).toBe(false);
      expect(await tickets.get(id)).toMatchObject({
        priority: "high",
        sla: { breached: ["first_response"] },
        slaClock: "running",
        slaNextDueAt: `${D1}T10:00:00.000Z`,
        updatedAt: now.toISOString(),
      });
      const last = { breachedBefore: 1, breached: ["resolution" as const], priority: "high" as const };
      expect(await desk.recordBreach(id, last, now)).toBe(true);
      const stopped = await tickets.get(id);
      expect(stopped?.sla?.breached).toEqual(["first_response", "resolution"]);
      expect(stopped?.slaClock).toBeUndefined();
      expect(stopped?.slaNextDueAt).toBeUndefined();
      const noSla = fresh("KF-NOSLA");
      await tickets.create(ticket(noSla));
      expect(await desk.recordBreach(noSla, first, now)).toBe(false);
      expect(await desk.recordBreach(fresh("KF-NONE"), first, now)).toBe(false);
    });

    it("records the first response once, and only on a ticket with an SLA", async () => {
      const { tickets, desk } = target.ticketDesk();
      const id = fresh("KF-FIRST");
      await tickets.create(withSla(id));
      await desk.recordFirstResponse(id, now);
      await desk.recordFirstResponse(id, new Date(`${D0}T11:00:00.000Z`));
      expect((await tickets.get(id))?.sla?.firstRespondedAt).toBe(now.toISOString());
      const noSla = fresh("KF-NOSLA");
      await tickets.create(ticket(noSla));
      await desk.recordFirstResponse(noSla, now);
      expect((await tickets.get(noSla))?.sla).toBeUndefined();
    });

    it("marks the CSAT question asked, records one rating, and refuses a ticket that does not exist", async () => {
      const { tickets, desk } = target.ticketDesk();
      const id = fresh("KF-CSAT");
      await tickets.create(ticket(id));
      await desk.markCsatAsked(id, now);
      const at = new Date(`${D0}T10:05:00.000Z`);
      expect(await desk.recordCsat(id, { score: 4, comment: "快" }, at)).toBe(true);
      expect(await desk.recordCsat(id, { score: 1 }, at)).toBe(false);
      expect(await tickets.get(id)).toMatchObject({
        csatAskedAt: now.toISOString(),
        csat: { score: 4, comment: "快", at: at.toISOString() },
        updatedAt: at.toISOString(),
      });
      const none = fresh("KF-NONE");
      await expect(desk.markCsatAsked(none, now)).rejects.toThrow();
      expect(await desk.recordCsat(none, { score: 5 }, at)).toBe(false);
      expect(await tickets.get(none)).toBeUndefined();
    });

    it("reopens a resolved ticket once, to its agent or the queue, with a new deadline only under an SLA", async () => {
      const { tickets, desk } = target.ticketDesk();
      const at = new Date(`${D0}T12:00:00.000Z`);
      const toAgent = fresh("KF-REOPEN");
      await tickets.create(withSla(toAgent));
      expect(await desk.reopen(toAgent, "li", at)).toBe(false);
      await tickets.resolve(toAgent, now);
      expect(await desk.reopen(toAgent, "li", at, `${D1}T12:00:00.000Z`)).toBe(true);
      expect(await desk.reopen(toAgent, "li", at)).toBe(false);
      expect(await tickets.get(toAgent)).toMatchObject({
        status: "assigned",
        assignee: "li",
        reopenedAt: at.toISOString(),
        updatedAt: at.toISOString(),
        sla: { resolutionDueAt: `${D1}T12:00:00.000Z` },
        slaClock: "running",
        slaNextDueAt: `${D1}T12:00:00.000Z`,
      });

      const toQueue = fresh("KF-REOPEN");
      await tickets.create(ticket(toQueue, { status: "assigned", assignee: "wang" }));
      await tickets.resolve(toQueue, now);
      expect(await desk.reopen(toQueue, undefined, at, `${D1}T12:00:00.000Z`)).toBe(false);
      expect(await desk.reopen(toQueue, undefined, at)).toBe(true);
      const reopened = await tickets.get(toQueue);
      expect(reopened).toMatchObject({ status: "open", reopenedAt: at.toISOString() });
      expect(reopened?.assignee).toBeUndefined();
      expect(reopened?.slaClock).toBeUndefined();
    });

    it("queues every resolve for the QA review, takes it off only for the resolve it read, counts failures", async () => {
      const { tickets, reviewQueue } = target.ticketDesk();
      // Resolved in a year no other test uses, long past: the shared index lists this test's first, and
      // no review pass (reviews.test.ts, over the last days) takes them off meanwhile.
      const base = Date.UTC(1972, 0, 1) + Math.floor(Math.random() * 100_000) * 60_000;
      const resolvedAt = (m: number) => new Date(base + m * 60_000);
      const since = resolvedAt(0).toISOString();
      const [a, b] = [fresh("KF-QA-A"), fresh("KF-QA-B")];
      await tickets.create(ticket(a));
      await tickets.create(ticket(b));
      await tickets.resolve(b, resolvedAt(2));
      await tickets.resolve(a, resolvedAt(1));
      const ours = async () =>
        (await reviewQueue.due(since, 100)).filter((d) => d.ticketId === a || d.ticketId === b);
      const [dueA, dueB] = await ours();
      expect([dueA, dueB]).toEqual([
        { ticketId: a, resolvedAt: resolvedAt(1).toISOString(), attempts: 0 },
        { ticketId: b, resolvedAt: resolvedAt(2).toISOString(), attempts: 0 },
      ]);
      expect((await reviewQueue.due(resolvedAt(2).toISOString(), 100)).map((d) => d.ticketId)).not.toContain(
        a,
      );
      if (!dueA || !dueB) throw new Error("the resolves did not queue the tickets");

      await reviewQueue.failedAttempt(dueA);
      await reviewQueue.failedAttempt(dueA);
      expect((await ours())[0]?.attempts).toBe(2);
      // Resolved again after the pass read it: the old resolve's done and failure leave the new one queued.
      await tickets.resolve(a, resolvedAt(3));
      await reviewQueue.failedAttempt(dueA);
      await reviewQueue.done(dueA);
      expect(await ours()).toEqual([
        dueB,
        { ticketId: a, resolvedAt: resolvedAt(3).toISOString(), attempts: 0 },
      ]);
      await reviewQueue.done(dueB);
      expect((await ours()).map((d) => d.ticketId)).toEqual([a]);
    });

    it("queues a rated ticket again, and keeps one graded unrated when a rating has arrived since", async () => {
      const { tickets, desk, reviewQueue } = target.ticketDesk();
      const base = Date.UTC(1973, 0, 1) + Math.floor(Math.random() * 100_000) * 60_000;
      const resolvedAt = new Date(base).toISOString();
      const id = fresh("KF-QA-RATED");
      await tickets.create(ticket(id));
      await tickets.resolve(id, new Date(base));
      const ours = async () => (await reviewQueue.due(resolvedAt, 100)).filter((d) => d.ticketId === id);
      const [due] = await ours();
      if (!due) throw new Error("the resolve did not queue the ticket");
      await reviewQueue.failedAttempt(due);
      // Graded unrated; the rating arrived before the pass took it off: it stays, its attempts reset.
      expect(await desk.recordCsat(id, { score: 5 }, now)).toBe(true);
      await reviewQueue.done(due, { rated: false });
      expect(await ours()).toEqual([{ ticketId: id, resolvedAt, attempts: 0 }]);
      await reviewQueue.done(due, { rated: true });
      expect(await ours()).toEqual([]);

      // Rated after its review: queued again for the same resolve.
      const after = fresh("KF-QA-RATED");
      await tickets.create(ticket(after));
      await tickets.resolve(after, new Date(base));
      const [queued] = (await reviewQueue.due(resolvedAt, 100)).filter((d) => d.ticketId === after);
      if (!queued) throw new Error("the resolve did not queue the ticket");
      await reviewQueue.done(queued, { rated: false });
      expect(await desk.recordCsat(after, { score: 2 }, now)).toBe(true);
      expect((await reviewQueue.due(resolvedAt, 100)).filter((d) => d.ticketId === after)).toEqual([
        { ticketId: after, resolvedAt, attempts: 0 },
      ]);
    });
  });
}

function reviewsContract(target: StoreTarget) {
  describe("QA reviews", () => {
    const review = (
      ticketId: string,
      resolvedAt: string,
      extra: { csat?: number; overall?: number } = {},
    ): Extract<ConversationReview, { status: "scored" }> => ({
      ticketId,
      channel: "wechat",
      agent: "zhang",
      resolvedAt,
      reviewedAt: `${D0}T12:00:00.000Z`,
      grader: { kind: "heuristic", name: "markers-v1" },
      faqIds: ["refund"],
      status: "scored",
      overall: 4,
      scores: {
        empathy: { score: 4, reasons: ["致歉"] },
        resolution: { score: 5, reasons: ["给出时限"] },
        accuracy: { score: 3, reasons: ["未引用条款"] },
      },
      ...extra,
    });
    const mine = (list: ConversationReview[], ids: string[]) => list.filter((r) => ids.includes(r.ticketId));

    it("files each review under its resolve day, in ticket id order, the latest per ticket and day", async () => {
      const reviews = target.reviews();
      const b = `${fresh("KF-REV")}-b`;
      const a = b.replace(/-b$/, "-a");
      const { overall: _o, scores: _s, ...unscored } = review(b, `${D1}T09:00:00.000Z`);
      const failed: ConversationReview = {
        ...unscored,
        status: "failed",
        failure: { code: "refused", reason: "the model refused" },
      };
      await reviews.put(review(b, `${D0}T09:00:00.000Z`));
      await reviews.put(review(a, `${D0}T08:00:00.000Z`, { csat: 2 }));
      await reviews.put(review(a, `${D0}T08:30:00.000Z`, { overall: 2 }));
      await reviews.put(failed);
      expect(mine(await reviews.listDays([D0]), [a, b])).toEqual([
        review(a, `${D0}T08:30:00.000Z`, { overall: 2 }),
        review(b, `${D0}T09:00:00.000Z`),
      ]);
      expect(mine(await reviews.listDays([D1, D0]), [a, b]).map((r) => [r.ticketId, r.status])).toEqual([
        [b, "failed"],
        [a, "scored"],
        [b, "scored"],
      ]);
      expect(mine(await reviews.listDays([D2]), [a, b])).toEqual([]);
    });

    it(`expires ${RETENTION.reviewDays} days after the review`, async () => {
      const reviews = target.reviews();
      const id = fresh("KF-REV");
      const filed = review(id, `${D0}T09:00:00.000Z`);
      await reviews.put(filed);
      expect(await reviews.expiresAt(filed)).toBe(
        epochS(new Date(filed.reviewedAt)) + RETENTION.reviewDays * DAY_S,
      );
    });
  });
}
