import type { z } from "zod";
import { InspectionDecisionSchema, type QualityReportSchema } from "../desk/wire";
import type { Channel } from "../message";
import { redact } from "../redact";
import { type Author, type Finding, type Inspection, inspect, type RuleSet } from "./inspection";

/**
 * The audit trail of quality inspection: one record per outgoing message inspected, the bot's and the
 * agents', with what was found and what was done. Every message is recorded, clean or not, so that the
 * report can show the share inspected (it must be 100%) next to the findings by rule and by agent. The
 * text is kept only when there is a finding, with personal data masked.
 */

/** What happened to the message after its inspection (the wire schema documents each). */
export const INSPECTION_DECISIONS = InspectionDecisionSchema.options;
export type InspectionDecision = (typeof INSPECTION_DECISIONS)[number];

/** A finding as the audit trail keeps it: with the version of the rule set that produced it. */
export interface RecordedFinding extends Finding {
  ruleSetVersion: string;
}

export interface InspectionRecord {
  /** The outgoing message: the worker's messageKey of the message answered, or the desk's reply key. */
  messageId: string;
  at: string;
  author: Author;
  /** The agent's id, for agents' messages. */
  agent?: string;
  channel: Channel;
  conversationKey: string;
  ticketId?: string;
  /** The rule set in force ("none" when no rule set was loaded). */
  ruleSetVersion: string;
  findings: RecordedFinding[];
  decision: InspectionDecision;
  /** The agent's reason for sending anyway; for the bot, what it did instead ("safe_answer", "handoff"). */
  reason?: string;
  /** The text as written, personal data masked; only when there are findings. */
  text?: string;
  /** The blocked attempt an agent's reply rephrases. */
  rephraseOf?: string;
}

export interface InspectionAuditStore {
  /** Records the message's inspection; recording the same messageId again replaces it (retries). */
  record(record: InspectionRecord, now?: Date): Promise<void>;
  /** The records of one UTC day (YYYY-MM-DD), oldest first. */
  listDay(day: string): Promise<InspectionRecord[]>;
}

export const NO_RULE_SET = "none";

/** Inspects `text` with the rule set in force (none loaded: nothing is found, and that is recorded). */
export function inspectWith(
  ruleSet: RuleSet | undefined,
  text: string,
  author: Author,
): Inspection & { ruleSetVersion: string } {
  if (!ruleSet) return { findings: [], blocked: false, ruleSetVersion: NO_RULE_SET };
  return { ...inspect(text, ruleSet, author), ruleSetVersion: ruleSet.version };
}

/** The audit record of an inspection; the text is kept (masked) only when something was found. */
export function auditRecord(
  inspection: Inspection & { ruleSetVersion: string },
  fields: Omit<InspectionRecord, "findings" | "ruleSetVersion" | "text"> & { text: string },
): InspectionRecord {
  const { text, ...rest } = fields;
  return {
    ...rest,
    ruleSetVersion: inspection.ruleSetVersion,
    findings: inspection.findings.map((f) => ({ ...f, ruleSetVersion: inspection.ruleSetVersion })),
    ...(inspection.findings.length > 0 ? { text: redact(text) } : {}),
  };
}

/** The UTC day a record belongs to (its partition in the audit table). */
export function auditDay(at: string): string {
  return at.slice(0, 10);
}

/** What the quality report shows for a range of days. */
export type QualityReport = z.infer<typeof QualityReportSchema>;

/** Sums the records of a range into the report (the records of several days, any order). */
export function qualityReport(
  records: readonly InspectionRecord[],
  range: { since: string; until: string; sent?: number },
): QualityReport {
  const decisions = Object.fromEntries(INSPECTION_DECISIONS.map((d) => [d, 0])) as Record<
    InspectionDecision,
    number
  >;
  const rules = new Map<string, QualityReport["byRule"][number]>();
  const agents = new Map<string, QualityReport["byAgent"][number]>();
  let bot = 0;
  let agent = 0;
  for (const record of records) {
    if (record.author === "bot") bot++;
    else agent++;
    decisions[record.decision]++;
    const seen = new Set<string>();
    for (const finding of record.findings) {
      const row = rules.get(finding.ruleId) ?? {
        ruleId: finding.ruleId,
        category: finding.category,
        severity: finding.severity,
        findings: 0,
        messages: 0,
      };
      row.findings++;
      if (!seen.has(finding.ruleId)) row.messages++;
      seen.add(finding.ruleId);
      rules.set(finding.ruleId, row);
    }
    if (record.author === "agent") {
      const id = record.agent ?? "unknown";
      const row = agents.get(id) ?? {
        agent: id,
        inspected: 0,
        withFindings: 0,
        blocked: 0,
        sentWithReason: 0,
        rephrased: 0,
      };
      row.inspected++;
      if (record.findings.length > 0) row.withFindings++;
      if (record.decision === "blocked") row.blocked++;
      if (record.decision === "sent_with_reason") row.sentWithReason++;
      if (record.decision === "rephrased") row.rephrased++;
      agents.set(id, row);
    }
  }
  const passed = records.length - decisions.blocked;
  const inspected = { total: bot + agent, bot, agent, passed };
  return {
    since: range.since,
    until: range.until,
    inspected,
    ...(range.sent !== undefined
      ? { shareInspected: range.sent === 0 ? 1 : Math.min(1, passed / range.sent) }
      : {}),
    decisions,
    byRule: [...rules.values()].sort((a, b) => b.findings - a.findings || a.ruleId.localeCompare(b.ruleId)),
    byAgent: [...agents.values()].sort((a, b) => b.inspected - a.inspected || a.agent.localeCompare(b.agent)),
  };
}

/** The UTC days from `since` to `until` inclusive (YYYY-MM-DD), at most `maxDays`. */
export function daysBetween(since: Date, until: Date, maxDays = 92): string[] {
  const days: string[] = [];
  const cursor = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate()));
  while (cursor.getTime() <= until.getTime() && days.length < maxDays) {
    days.push(cursor.toISOString().slice(0, 10));
    cursor.setUTCDate(cursor.getUTCDate() + 1);
  }
  return days;
}
