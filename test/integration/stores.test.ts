import { describe, expect, it } from "vitest";
import { documentClient } from "../../shared/aws";
import { loadConfig } from "../../shared/config";
import {
  ConcurrentUpdateError,
  createConversationStore,
  newConversation,
} from "../../shared/stores/conversations";
import { createTicketStore, type Ticket } from "../../shared/stores/tickets";
import { testEnv } from "../support/local-env";

const config = loadConfig(testEnv());
const doc = documentClient(config);

describe("conversations on DynamoDB Local", () => {
  const store = createConversationStore(doc, config.KEFU_CONVERSATIONS_TABLE);

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
    expect((loaded as unknown as { expiresAt: number }).expiresAt).toBeGreaterThan(
      now.getTime() / 1000 + 29 * 86400,
    );

    await store.save(saved, now);
    await expect(store.save(saved, now)).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });
});

describe("tickets on DynamoDB Local", () => {
  const store = createTicketStore(doc, config.KEFU_TICKETS_TABLE);
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
});
