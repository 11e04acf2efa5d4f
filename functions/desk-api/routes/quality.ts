import { z } from "zod";
import type { DeskTicket } from "../../../shared/core/desk/desk";
import type { InspectionReceipt } from "../../../shared/core/message";
import { receiptFor } from "../../../shared/core/outgoing";
import {
  auditDay,
  auditRecord,
  daysBetween,
  type InspectionAuditStore,
  type InspectionDecision,
  type InspectionRecord,
  inspectWith,
  qualityReport,
} from "../../../shared/core/quality/audit";
import { type RuleSet, shownFindings } from "../../../shared/core/quality/inspection";
import { byScore } from "../../../shared/core/quality/review";
import type { ReviewStore } from "../../../shared/core/quality/review-pass";
import { normalizeTicketId } from "../../../shared/core/ticket";
import type { AnalyticsCounters } from "../../../shared/stores/analytics-counters";
import { DeskApiError, type DeskRoute } from "../route";
import { notFound, parseBody, parseQuery, validationFailed } from "../router";

/**
 * Quality inspection of agents' replies (README, "Quality inspection"): the reply route inspects every
 * reply before it is sent (`inspectAgentReply`), the reply box asks for the findings while the agent
 * types (`POST /tickets/:id/inspect`), and supervisors read the report and the findings.
 */
export interface QualityDeps {
  /** The rule set in force (cached by the source); undefined when none is loaded. */
  rules(): Promise<RuleSet | undefined>;
  audit: InspectionAuditStore;
  tickets: { get(ticketId: string): Promise<DeskTicket | undefined> };
  /** The QA reviews of resolved, human-handled tickets, and who grades them (`off`: nobody). */
  reviews: Pick<ReviewStore, "listDays">;
  reviewGrader: "off" | "heuristic" | "bedrock";
  /** The analytics counters: the messages the channels' sender delivered, for the share inspected. */
  counters?: Pick<AnalyticsCounters, "read">;
}

/** Reviews one answer of the QA queue lists at most: a supervisor reads the worst first. */
const QA_QUEUE_MAX = 500;

/** The agent's answer to blocking findings: send anyway, with a reason the audit trail keeps. */
export const FindingsOverrideSchema = z.object({
  reason: z.string().trim().min(1, "a reason is needed to send anyway").max(500),
});

export interface AgentReplyInspection {
  /** What to record once the reply is on its way. */
  record: InspectionRecord;
  /** What the channels' sender asks of the reply: its inspection, recorded before it is sent. */
  receipt: InspectionReceipt;
}

/**
 * Inspects an agent's reply before it is sent. A blocking finding without an override records the
 * attempt as blocked and answers 409 `quality_findings` with the findings and the attempt's id (a clean
 * rephrasing names it in `rephraseOf`); with an override the reply goes out and is recorded
 * `sent_with_reason`. Warnings go out and are recorded.
 */
export async function inspectAgentReply(
  deps: Pick<QualityDeps, "rules" | "audit">,
  input: {
    ticket: DeskTicket;
    agent: string;
    text: string;
    messageId: string;
    now: Date;
    override?: { reason: string };
    rephraseOf?: string;
  },
): Promise<AgentReplyInspection> {
  const { ticket, agent, text, messageId, now } = input;
  const ruleSet = await deps.rules();
  const result = inspectWith(ruleSet, text, "agent");
  const fields = {
    messageId,
    at: now.toISOString(),
    author: "agent" as const,
    agent,
    channel: ticket.channel,
    conversationKey: ticket.conversationKey,
    ticketId: ticket.ticketId,
    text,
  };
  if (result.blocked && !input.override) {
    await deps.audit.record(auditRecord(result, { ...fields, decision: "blocked" }), now);
    throw new DeskApiError(
      409,
      "quality_findings",
      "The reply breaks a quality rule: rephrase it, or send it anyway with a reason.",
      "回复触发了质检规则：请修改措辞，或填写理由后仍然发送。",
      { findings: shownFindings(text, result.findings, ruleSet), inspectionId: messageId },
    );
  }
  const decision: InspectionDecision = result.blocked
    ? "sent_with_reason"
    : input.rephraseOf
      ? "rephrased"
      : "sent";
  const record = auditRecord(result, {
    ...fields,
    decision,
    ...(result.blocked && input.override ? { reason: input.override.reason } : {}),
    ...(decision === "rephrased" && input.rephraseOf ? { rephraseOf: input.rephraseOf } : {}),
  });
  return { record, receipt: receiptFor(record, text) };
}

const InspectSchema = z.object({ text: z.string().max(20_000) });
const RangeQuery = z.object({
  /** `7d` (default), `30d`…, up to 92 days. */
  since: z
    .string()
    .regex(/^\d{1,2}d$/, "since: a number of days such as 7d")
    .default("7d"),
  /** Messages sent in the range; by default the counters' count of what the channels' sender delivered. */
  sent: z.coerce.number().int().nonnegative().optional(),
});

const ReviewsQuery = z.object({
  /** `score` (default): lowest overall score first, failed reviews last; `recent`: newest resolve first. */
  sort: z.enum(["score", "recent"]).default("score"),
  since: RangeQuery.shape.since,
});

/** The days of `7d`, ending today (UTC). */
function rangeOf(since: string, now: Date): string[] {
  const days = Number.parseInt(since, 10);
  if (days < 1 || days > 92) throw validationFailed({ since: "between 1d and 92d" });
  return daysBetween(new Date(now.getTime() - (days - 1) * 86_400_000), now);
}

async function recordsOf(audit: InspectionAuditStore, days: string[]): Promise<InspectionRecord[]> {
  return (await Promise.all(days.map((day) => audit.listDay(day)))).flat();
}

export const qualityRoutes: DeskRoute<QualityDeps>[] = [
  {
    method: "POST",
    path: "/tickets/:id/inspect",
    groups: ["agent"],
    // What the reply box shows before sending; nothing is recorded (the reply itself is).
    async handle(request, deps) {
      const { text } = parseBody(InspectSchema, request.body);
      const ticket = await deps.tickets.get(normalizeTicketId(request.params.id ?? ""));
      if (!ticket) throw notFound("No such ticket.");
      const ruleSet = await deps.rules();
      const result = inspectWith(ruleSet, text, "agent");
      return {
        status: 200,
        body: {
          blocked: result.blocked,
          ruleSetVersion: result.ruleSetVersion,
          findings: shownFindings(text, result.findings, ruleSet),
        },
      };
    },
  },
  {
    method: "GET",
    path: "/quality/report",
    groups: ["supervisor", "admin"],
    async handle(request, deps) {
      const query = parseQuery(RangeQuery, request.query);
      const days = rangeOf(query.since, request.now);
      const records = await recordsOf(deps.audit, days);
      const since = days[0] ?? auditDay(request.now.toISOString());
      const until = days.at(-1) ?? auditDay(request.now.toISOString());
      // The share compares the audit trail with what actually went out (`sent` events), not with itself.
      const sent =
        query.sent ??
        (deps.counters
          ? (await deps.counters.read(since, until)).reduce((n, item) => n + (item.figures.sent ?? 0), 0)
          : undefined);
      return {
        status: 200,
        body: qualityReport(records, { since, until, ...(sent !== undefined ? { sent } : {}) }),
      };
    },
  },
  {
    method: "GET",
    path: "/quality/reviews",
    groups: ["supervisor", "admin"],
    // The QA queue: the reviews of tickets resolved in the range (by resolve day), one per ticket.
    async handle(request, deps) {
      const query = parseQuery(ReviewsQuery, request.query);
      const reviews = await deps.reviews.listDays(rangeOf(query.since, request.now));
      const latest = new Map<string, (typeof reviews)[number]>();
      for (const review of reviews) {
        const seen = latest.get(review.ticketId);
        if (!seen || seen.resolvedAt < review.resolvedAt) latest.set(review.ticketId, review);
      }
      const sorted = [...latest.values()].sort(
        query.sort === "score" ? byScore : (a, b) => b.resolvedAt.localeCompare(a.resolvedAt),
      );
      return { status: 200, body: { grader: deps.reviewGrader, reviews: sorted.slice(0, QA_QUEUE_MAX) } };
    },
  },
  {
    method: "GET",
    path: "/quality/findings",
    groups: ["supervisor", "admin"],
    // The audit trail's messages with findings, newest first (the text masked as stored).
    async handle(request, deps) {
      const query = parseQuery(RangeQuery, request.query);
      const records = await recordsOf(deps.audit, rangeOf(query.since, request.now));
      const findings = records
        .filter((r) => r.findings.length > 0)
        .sort((a, b) => b.at.localeCompare(a.at))
        .slice(0, 500);
      return { status: 200, body: { findings } };
    },
  },
];
