import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { InspectionAuditStore, InspectionRecord } from "../../shared/core/quality/audit";
import { RETENTION } from "../../shared/resources";

/**
 * What the quality-inspection audit trail promises, run against the in-memory store
 * (test/unit/contract/inspection-audit.test.ts) and the DynamoDB one on DynamoDB Local
 * (test/integration/inspection-audit.test.ts). The table is shared by the integration run: every day
 * used here is one no other test writes (a year far from now, random per run).
 */
export interface AuditTarget {
  name: string;
  store(): InspectionAuditStore;
  /** The TTL attribute stored with a record (epoch seconds). */
  expiresAt(day: string, messageId: string): Promise<number | undefined>;
}

export function describeInspectionAuditContract(target: AuditTarget): void {
  describe(`the inspection audit contract: ${target.name}`, () => {
    // A day of its own per run, so lists see only this suite's records.
    const year = 3000 + Math.floor(Math.random() * 5000);
    const day = `${year}-03-04`;
    const record = (fields: Partial<InspectionRecord> = {}): InspectionRecord => ({
      messageId: `wechat#${randomUUID()}#answer`,
      at: `${day}T10:00:00.000Z`,
      author: "bot",
      channel: "wechat",
      conversationKey: "wechat:gh:o-1",
      ruleSetVersion: "v1",
      findings: [],
      decision: "sent",
      ...fields,
    });

    it("lists a day's records oldest first, with every field as recorded", async () => {
      const store = target.store();
      const later = record({
        at: `${day}T11:00:00.000Z`,
        author: "agent",
        agent: "agent-1",
        ticketId: "T-1",
        decision: "sent_with_reason",
        reason: "the customer asked for the exact wording",
        text: "我们保证收益",
        findings: [
          {
            ruleId: "promise.block",
            category: "promise",
            severity: "block",
            term: "保证收益",
            start: 2,
            end: 6,
            ruleSetVersion: "v1",
          },
        ],
      });
      const earlier = record();
      await store.record(later);
      await store.record(earlier);
      await store.record(record({ at: `${year}-03-05T00:00:00.000Z` }));
      expect(await store.listDay(day)).toEqual([earlier, later]);
    });

    it("records a retried message once: the same id replaces the record", async () => {
      const store = target.store();
      const first = record({ at: `${year}-03-04T12:00:00.000Z` });
      await store.record(first);
      await store.record({ ...first, decision: "blocked", reason: "safe_answer" });
      const listed = (await store.listDay(day)).filter((r) => r.messageId === first.messageId);
      expect(listed).toEqual([{ ...first, decision: "blocked", reason: "safe_answer" }]);
    });

    it("lists nothing for a day without records", async () => {
      expect(await target.store().listDay(`${year}-12-31`)).toEqual([]);
    });

    it("keeps each record for the retention period", async () => {
      const now = new Date("2026-12-01T10:00:00.000Z");
      const kept = record();
      await target.store().record(kept, now);
      expect(await target.expiresAt(day, kept.messageId)).toBe(
        Math.floor(now.getTime() / 1000) + RETENTION.inspectionDays * 86_400,
      );
    });
  });
}
