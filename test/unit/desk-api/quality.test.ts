import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { DeskApiError } from "../../../functions/desk-api/route";
import { inspectAgentReply } from "../../../functions/desk-api/routes/quality";
import type { DeskTicket } from "../../../shared/core/desk/desk";
import { qualityReport } from "../../../shared/core/quality/audit";
import { compileRuleSet } from "../../../shared/core/quality/inspection";
import { parseRules } from "../../../shared/kb/inspection-rules";
import { memoryInspectionAudit } from "../../../shared/stores/inspection-audit";
import { REPO_ROOT } from "../../support/shared-data";

const rules = compileRuleSet(
  "v1",
  parseRules(readFileSync(resolve(REPO_ROOT, "local/seed/rules.default.jsonl"), "utf8")).rules,
);
const now = new Date("2026-12-01T10:00:00Z");
const ticket = {
  ticketId: "KF-1",
  conversationKey: "wechat:gh:o-1",
  channel: "wechat",
  customerId: "o-1",
  reason: "customer_request",
  priority: "normal",
  status: "assigned",
  transcript: [],
  candidates: [],
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
} satisfies DeskTicket;

function setup() {
  const audit = memoryInspectionAudit();
  const deps = { rules: async () => rules, audit };
  let n = 0;
  const reply = (text: string, extra: { override?: { reason: string }; rephraseOf?: string } = {}) =>
    inspectAgentReply(deps, { ticket, agent: "li", text, messageId: `desk#KF-1#${++n}`, now, ...extra });
  return { audit, reply };
}

describe("an agent's reply", () => {
  it("with a blocking term is refused with its findings, and the attempt is recorded as blocked", async () => {
    const { audit, reply } = setup();
    const refused = (await reply("这款理财保证收益").catch((e) => e)) as DeskApiError;
    expect(refused).toMatchObject({ status: 409, code: "quality_findings" });
    expect(refused.extra).toMatchObject({
      inspectionId: "desk#KF-1#1",
      findings: [
        { ruleId: "promise.block", matched: "保证收益", messageZh: "公司无法做出的承诺（收益、安全）。" },
        { ruleId: "promise.warn", matched: "保证" },
      ],
    });
    expect(audit.items.get("desk#KF-1#1")).toMatchObject({
      author: "agent",
      agent: "li",
      decision: "blocked",
      ticketId: "KF-1",
      text: "这款理财保证收益",
    });
  });

  it("sent anyway is recorded with the reason; a clean rephrasing names the attempt", async () => {
    const { reply } = setup();
    const forced = await reply("这款理财保证收益", { override: { reason: "合同原文" } });
    expect(forced.record).toMatchObject({ decision: "sent_with_reason", reason: "合同原文" });
    const clean = await reply("收益以合同为准", { rephraseOf: "desk#KF-1#0" });
    expect(clean.record).toMatchObject({ decision: "rephrased", rephraseOf: "desk#KF-1#0", findings: [] });
    expect(clean.record.text).toBeUndefined();
  });

  it("with personal data typed in full is flagged, and the audit trail keeps it masked", async () => {
    const { reply } = setup();
    const { record } = await reply("您的手机号13812345678已登记");
    expect(record.decision).toBe("sent");
    expect(record.findings.map((f) => [f.ruleId, f.term])).toEqual([["personal-data.agent", "phone"]]);
    expect(record.text).toBe("您的手机号138****5678已登记");
  });
});

describe("the quality report", () => {
  it("counts inspections by author and decision, findings by rule and by agent, and the share inspected", async () => {
    const { audit, reply } = setup();
    await reply("这款理财保证收益").catch(() => undefined);
    const forced = await reply("这款理财保证收益", { override: { reason: "合同原文" } });
    await audit.record(forced.record);
    await audit.record({
      messageId: "wechat#m1#answer",
      at: now.toISOString(),
      author: "bot",
      channel: "wechat",
      conversationKey: "wechat:gh:o-2",
      ruleSetVersion: "v1",
      findings: [],
      decision: "sent",
    });
    const report = qualityReport(await audit.listDay("2026-12-01"), {
      since: "2026-12-01",
      until: "2026-12-01",
      sent: 2,
    });
    expect(report.inspected).toEqual({ total: 3, bot: 1, agent: 2, passed: 2 });
    expect(report.shareInspected).toBe(1);
    expect(report.decisions).toEqual({ sent: 1, blocked: 1, sent_with_reason: 1, rephrased: 0 });
    expect(report.byRule).toEqual([
      { ruleId: "promise.block", category: "promise", severity: "block", findings: 2, messages: 2 },
      { ruleId: "promise.warn", category: "promise", severity: "warn", findings: 2, messages: 2 },
    ]);
    expect(report.byAgent).toEqual([
      { agent: "li", inspected: 2, withFindings: 2, blocked: 1, sentWithReason: 1, rephrased: 0 },
    ]);
    // Half the messages sent had no inspection: the share says so.
    expect(
      qualityReport(await audit.listDay("2026-12-01"), { since: "", until: "", sent: 4 }).shareInspected,
    ).toBe(0.5);
  });
});
