import { z } from "zod";
import { type AnalyticsReport, reportFromCounters } from "../../../shared/core/analytics/report";
import { CHANNELS, type Channel } from "../../../shared/core/message";
import type { TicketStore } from "../../../shared/core/pipeline/ports";
import type { Ticket } from "../../../shared/core/ticket";
import type { Retriever } from "../../../shared/kb/retrieval";
import { type SuggestOptions, topUnanswered } from "../../../shared/kb/suggestions";
import type { AnalyticsCounters } from "../../../shared/stores/analytics-counters";
import type { DeskRoute } from "../route";
import { parseQuery, validationFailed } from "../router";

/**
 * The reports page (issue 13, "Analytics"): the figures of a range of days from the real-time counters,
 * the same report object `npm run report -- --json` prints. The counters keep one item per day × channel,
 * so a range costs one Query per day; it is bounded to REPORT_MAX_DAYS. Longer history is Athena's (the CLI).
 */
export interface ReportsDeps {
  counters: Pick<AnalyticsCounters, "read">;
  /** The reports' time zone (KEFU_REPORT_TIME_ZONE), which the report names. */
  timeZone: string;
  /** The top unanswered topics: the hand-off tickets, clustered as the suggestions are. */
  tickets: Pick<TicketStore, "listByStatus">;
  /** The current knowledge base: each topic's closest entry. */
  retriever: Retriever;
  vectors?: SuggestOptions["vectors"];
  threshold?: number;
  /** Tickets read per status: bounds the work of one report (as the suggestions do). */
  ticketsPerStatus?: number;
}

const TICKET_STATUSES: Ticket["status"][] = ["open", "assigned", "resolved"];

/** The longest range the desk asks the counters for: a quarter, one Query per day. */
export const REPORT_MAX_DAYS = 92;
/** The range when the page names none: the last seven days with today. */
const DEFAULT_DAYS = 7;
const DAY_MS = 86_400_000;

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a day: YYYY-MM-DD")
  // 2026-02-30 parses as 2026-03-02: a real day reads back as itself (the pattern's failures are NaN here).
  .refine((day) => {
    const t = Date.parse(`${day}T00:00:00Z`);
    return !Number.isNaN(t) && new Date(t).toISOString().startsWith(day);
  }, "not a calendar day");

const ReportQuery = z.object({
  since: Day.optional(),
  until: Day.optional(),
  channel: z.enum(CHANNELS).optional(),
});

const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The range asked for, checked: `until` defaults to today (UTC), `since` to six days before it. */
export function reportRange(
  query: Readonly<Record<string, string | undefined>>,
  now: Date,
): { since: string; until: string; channel?: Channel } {
  // An empty parameter (a cleared filter) means "not given".
  const given = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = parseQuery(ReportQuery, given);
  const until = parsed.until ?? dayOf(now.getTime());
  const since = parsed.since ?? dayOf(Date.parse(`${until}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS);
  if (since > until) throw validationFailed({ since: "after until" });
  const days = (Date.parse(`${until}T00:00:00Z`) - Date.parse(`${since}T00:00:00Z`)) / DAY_MS + 1;
  if (days > REPORT_MAX_DAYS) {
    throw validationFailed(
      { since: `at most ${REPORT_MAX_DAYS} days before until` },
      `The desk reports at most ${REPORT_MAX_DAYS} days at a time; use npm run report (Athena) for longer history.`,
    );
  }
  return { since, until, ...(parsed.channel ? { channel: parsed.channel } : {}) };
}

export const reportRoutes: DeskRoute<ReportsDeps>[] = [
  {
    method: "GET",
    path: "/reports",
    groups: ["supervisor", "admin"],
    async handle(request, deps) {
      const range = reportRange(request.query, request.now);
      const [items, lists] = await Promise.all([
        deps.counters.read(range.since, range.until),
        Promise.all(TICKET_STATUSES.map((s) => deps.tickets.listByStatus(s, deps.ticketsPerStatus ?? 500))),
      ]);
      const report: AnalyticsReport = {
        ...reportFromCounters(items, { ...range, timeZone: deps.timeZone }),
        topUnanswered: await topUnanswered(lists.flat(), range, {
          retriever: deps.retriever,
          vectors: deps.vectors,
          ...(deps.threshold !== undefined ? { threshold: deps.threshold } : {}),
        }),
      };
      return { status: 200, body: report };
    },
  },
];
