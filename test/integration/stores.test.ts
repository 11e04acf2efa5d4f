import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { documentClient } from "../../shared/aws/clients";
import { loadWorkerConfig } from "../../shared/config/load-desk";
import {
  ConcurrentUpdateError,
  HISTORY_MAX_BYTES,
  HISTORY_TURN_MAX_BYTES,
  newConversation,
} from "../../shared/core/conversation";
import type { Ticket } from "../../shared/core/ticket";
import { createConversationStore } from "../../shared/stores/conversations";
import { createTicketStore, TICKET_TURN_MAX_BYTES } from "../../shared/stores/tickets";
import { testEnv } from "../support/local-env";

const config = loadWorkerConfig(testEnv());
const doc = documentClient(config.runtime);

describe("conversations on DynamoDB Local", () => {
  const store = createConversationStore(doc, config.tables.conversations);

  it("saves with a TTL, caps history, and refuses a save from a stale read", async () => {
    const key = `wechat:gh:o-store-${Date.now()}`;
    const now = new Date();
    const fresh = newConversation({ conversationKey: key, channel: "wechat", customerId: "o", now });
    const turns = Array.from({ length: 50 }, (_, i) => ({
      role: "customer" as const,
      text: `t${i}`,
      at: now.toISOString(),
    }));
    const saved = await store.save({ ...fresh, turns }, now);
    const loaded = await store.get(key);
    expect(loaded?.turns).toHaveLength(40);
    expect(loaded?.turns[0]?.text).toBe("t10");
    expect(loaded?.revision).toBe(1);
    const { Item } = await doc.send(
      new GetCommand({ TableName: config.tables.conversations, Key: { conversationKey: key } }),
    );
    expect(Item?.expiresAt).toBeGreaterThan(now.getTime() / 1000 + 29 * 86400);

    await store.save(saved, now);
    await expect(store.save(saved, now)).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });

  it("keeps only the newest turns that fit the history's byte budget, each cut, and counts the others", async () => {
    const key = `email:kefu@example.com:o-bytes-${Date.now()}`;
    const now = new Date();
    const fresh = newConversation({ conversationKey: key, channel: "email", customerId: "o", now });
    const long = (i: number) => `${i}:${"很长的邮件正文。".repeat(500)}`;
    const turns = Array.from({ length: 30 }, (_, i) => ({
      role: "customer" as const,
      text: long(i),
      at: now.toISOString(),
    }));
    await store.save({ ...fresh, turns }, now);
    const loaded = await store.get(key);
    const kept = loaded?.turns ?? [];
    const bytes = kept.reduce((sum, t) => sum + Buffer.byteLength(t.text), 0);
    expect(bytes).toBeLessThanOrEqual(HISTORY_MAX_BYTES);
    expect(kept.every((t) => Buffer.byteLength(t.text) <= HISTORY_TURN_MAX_BYTES)).toBe(true);
    expect(kept.at(-1)?.text.startsWith("29:")).toBe(true);
    expect(kept.at(-1)?.omittedBytes).toBe(
      Buffer.byteLength(long(29)) - Buffer.byteLength(kept.at(-1)?.text ?? ""),
    );
    expect(loaded?.omittedTurns).toBe(30 - kept.length);
  });
});

describe("tickets on DynamoDB Local", () => {
  const store = createTicketStore(doc, config.tables.tickets, config.tables.ticketTurns);
  const ticket = (id: string, createdAt: string): Ticket => ({
    ticketId: id,
    conversationKey: "wechat:gh:o",
    channel: "wechat",
    customerId: "o",
    reason: "customer_request",
    priority: "normal",
    status: "open",
    transcript: [{ role: "customer", text: "转人工", at: createdAt }],
    candidates: [],
    createdAt,
    updatedAt: createdAt,
  });

  it("creates once, appends, lists open tickets newest first, and resolves", async () => {
    const a = `KF-A${Date.now()}`;
    const b = `KF-B${Date.now()}`;
    await store.create(ticket(a, "2026-11-21T10:00:00.000Z"));
    await store.create(ticket(b, "2026-11-21T11:00:00.000Z"));
    const again = await store.create({ ...ticket(a, "2026-11-21T12:00:00.000Z"), reason: "low_confidence" });
    expect(again.reason).toBe("customer_request");

    await store.append(a, { role: "customer", text: "还在吗", at: "2026-11-21T10:05:00.000Z" });
    expect((await store.get(a))?.transcript.map((t) => t.text)).toEqual(["转人工", "还在吗"]);

    const open = (await store.listByStatus("open"))
      .map((t) => t.ticketId)
      .filter((id) => id === a || id === b);
    expect(open).toEqual([b, a]);

    await store.resolve(a);
    expect((await store.get(a))?.status).toBe("resolved");
    expect((await store.listByStatus("open")).some((t) => t.ticketId === a)).toBe(false);
    await expect(store.append("KF-MISSING", { role: "customer", text: "x", at: "" })).rejects.toThrow();
  });

  it("stores each later turn once per id, keeps a very long one cut and marked, and in order", async () => {
    const id = `KF-T${Date.now()}`;
    await store.create(ticket(id, "2026-11-21T10:00:00.000Z"));
    const at = "2026-11-21T10:01:00.000Z";
    await store.append(id, { role: "customer", text: "第一条", at }, { id: "wechat#1" });
    await store.append(id, { role: "customer", text: "第一条", at }, { id: "wechat#1" });
    await store.append(id, { role: "customer", text: "第二条，同一秒", at }, { id: "wechat#2" });
    const huge = "长".repeat(60_000);
    await store.append(
      id,
      { role: "customer", text: huge, at: "2026-11-21T10:02:00.000Z" },
      { id: "email#3" },
    );
    await store.append(id, { role: "agent", text: "您好", at: "2026-11-21T10:03:00.000Z" });

    const transcript = (await store.get(id))?.transcript ?? [];
    expect(transcript.map((t) => t.text.slice(0, 10))).toEqual([
      "转人工",
      "第一条",
      "第二条，同一秒",
      "长".repeat(10),
      "您好",
    ]);
    const cut = transcript[3];
    expect(Buffer.byteLength(cut?.text ?? "")).toBeLessThanOrEqual(TICKET_TURN_MAX_BYTES);
    expect((cut?.omittedBytes ?? 0) + Buffer.byteLength(cut?.text ?? "")).toBe(Buffer.byteLength(huge));
    expect(await store.status(id)).toBe("open");
  });

  it("reads a transcript larger than one query page (1 MB) whole", async () => {
    const id = `KF-P${Date.now()}`;
    await store.create(ticket(id, "2026-11-21T10:00:00.000Z"));
    const mail = (i: number) => `${i}:${"x".repeat(TICKET_TURN_MAX_BYTES - 10)}`;
    for (let i = 0; i < 12; i++) {
      const at = `2026-11-21T10:${String(10 + i).padStart(2, "0")}:00.000Z`;
      await store.append(id, { role: "customer", text: mail(i), at }, { id: `email#${i}` });
    }
    const transcript = (await store.get(id))?.transcript ?? [];
    expect(transcript.map((t) => t.text.split(":")[0])).toEqual([
      "转人工",
      ...Array.from({ length: 12 }, (_, i) => `${i}`),
    ]);
    expect(transcript.slice(1).every((t, i) => t.text === mail(i))).toBe(true);
  });

  it("keeps the conversation at the hand-off within a conversation's bounds, and reads tickets stored before turns had their own table", async () => {
    const id = `KF-C${Date.now()}`;
    const transcript = Array.from({ length: 60 }, (_, i) => ({
      role: "customer" as const,
      text: `${i}:${"旧邮件".repeat(3000)}`,
      at: "2026-11-21T09:00:00.000Z",
    }));
    const created = await store.create({ ...ticket(id, "2026-11-21T10:00:00.000Z"), transcript });
    const stored = await store.get(id);
    expect(stored?.transcript).toEqual(created.transcript);
    expect(stored?.transcript.length).toBeLessThan(60);
    expect(stored?.omittedTurns).toBe(60 - (stored?.transcript.length ?? 0));

    const legacy = `KF-L${Date.now()}`;
    await doc.send(
      new PutCommand({
        TableName: config.tables.tickets,
        Item: {
          ...ticket(legacy, "2026-11-21T10:00:00.000Z"),
          transcript: [{ role: "customer", text: "旧", at: "x" }],
        },
      }),
    );
    await store.append(legacy, { role: "agent", text: "新", at: "2026-11-21T10:05:00.000Z" });
    expect((await store.get(legacy))?.transcript.map((t) => t.text)).toEqual(["旧", "新"]);
  });
});
