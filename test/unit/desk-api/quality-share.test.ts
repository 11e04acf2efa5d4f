import { describe, expect, it } from "vitest";
import type { DeskGroup } from "../../../functions/desk-api/route";
import { createRouter, mount } from "../../../functions/desk-api/router";
import { qualityRoutes } from "../../../functions/desk-api/routes/quality";
import type { QualityReport } from "../../../shared/core/quality/audit";
import { memoryInspectionAudit } from "../../../shared/stores/inspection-audit";

/**
 * GET /quality/report's share inspected: the audit trail against what the channels' sender counted as
 * delivered (the counters' `sent`), not against a number the caller supplies.
 */
const now = new Date("2026-12-01T10:00:00Z");

async function reportWith(sent: number, inspected: number) {
  const audit = memoryInspectionAudit();
  for (let i = 0; i < inspected; i++) {
    await audit.record({
      messageId: `wechat#m${i}#answer`,
      at: now.toISOString(),
      author: "bot",
      channel: "wechat",
      conversationKey: "wechat:gh:o-1",
      ruleSetVersion: "v1",
      findings: [],
      decision: "sent",
    });
  }
  const counters = {
    async read() {
      return [{ day: "2026-12-01", channel: "wechat", figures: { sent }, handoffsByReason: {} }];
    },
  };
  const router = createRouter(
    mount(qualityRoutes, {
      rules: async () => undefined,
      audit,
      tickets: { get: async () => undefined },
      counters,
      reviews: { listDays: async () => [] },
      reviewGrader: "off",
    }),
    { authenticate: async (token) => ({ id: "u", groups: (token ?? "").split(",") as DeskGroup[] }) },
  );
  const response = await router({
    method: "GET",
    path: "/quality/report",
    query: { since: "1d" },
    body: undefined,
    authorization: "supervisor",
    now,
  });
  return response.body as QualityReport;
}

describe("GET /quality/report", () => {
  it("computes the share inspected from the messages the counters say were delivered", async () => {
    expect((await reportWith(4, 4)).shareInspected).toBe(1);
    // A message went out that the audit trail does not know: the share says so.
    expect((await reportWith(4, 3)).shareInspected).toBe(0.75);
  });
});
