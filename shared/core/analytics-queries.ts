import { CHANNELS, type Channel } from "./message";

/**
 * The report's SQL, in the one place both engines read it: Athena (Trino, over the Glue table
 * `events`) and DuckDB (over a view `events` on the local JSON Lines files). Written in the subset both
 * run: SUM(CASE …), GROUP BY, string comparison of the `dt` partition, no engine-only function. The
 * period is a range of `dt` days, which Athena's partition projection turns into the S3 prefixes read.
 */

export interface ReportRange {
  /** First and last day, YYYY-MM-DD, both included. */
  since: string;
  until: string;
  channel?: Channel;
}

export class InvalidReportRangeError extends Error {
  readonly code = "invalid_report_range";
  constructor(detail: string) {
    super(`invalid report range: ${detail}`);
    this.name = "InvalidReportRangeError";
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The range's WHERE clause. Values are checked (days by pattern, channel from the list), never quoted
 * from input: Athena and DuckDB take parameters differently, and these are the only inputs.
 */
function where(range: ReportRange): string {
  for (const day of [range.since, range.until]) {
    if (!DAY.test(day) || Number.isNaN(Date.parse(day))) throw new InvalidReportRangeError(`day ${day}`);
  }
  if (range.since > range.until) throw new InvalidReportRangeError("since is after until");
  if (range.channel !== undefined && !CHANNELS.includes(range.channel)) {
    throw new InvalidReportRangeError("unknown channel");
  }
  const channel = range.channel ? ` AND channel = '${range.channel}'` : "";
  return `dt >= '${range.since}' AND dt <= '${range.until}'${channel}`;
}

const count = (condition: string) => `SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;

/** One row per channel: the ChannelFigures columns. */
export function channelFiguresSql(range: ReportRange): string {
  return `SELECT channel,
  ${count("type = 'received' AND opens")} AS conversations,
  ${count("type = 'received'")} AS received,
  ${count("type = 'answered'")} AS answered,
  ${count("type = 'clarified'")} AS clarified,
  ${count("type = 'small_talk'")} AS small_talk,
  ${count("type = 'handed_off'")} AS handed_off,
  ${count("type = 'agent_reply'")} AS agent_reply,
  ${count("type = 'resolved'")} AS resolved,
  ${count("type = 'sla_breach'")} AS sla_breach,
  ${count("type = 'sent'")} AS sent,
  ${count("type = 'csat'")} AS csat_count,
  SUM(CASE WHEN type = 'csat' THEN csat ELSE 0 END) AS csat_sum,
  SUM(CASE WHEN type = 'model_tokens' THEN input_tokens ELSE 0 END) AS input_tokens,
  SUM(CASE WHEN type = 'model_tokens' THEN output_tokens ELSE 0 END) AS output_tokens
FROM events
WHERE ${where(range)}
GROUP BY channel
ORDER BY channel`;
}

/** One row per hand-off reason: `reason`, `handoffs`. */
export function handoffReasonsSql(range: ReportRange): string {
  return `SELECT reason, COUNT(*) AS handoffs
FROM events
WHERE ${where(range)} AND type = 'handed_off'
GROUP BY reason
ORDER BY reason`;
}

/**
 * The UTC weekday (0 = Monday … 6 = Sunday) and hour of an event, in the functions both engines have:
 * days since a Monday, modulo 7, and the hour's digits of the ISO `at`.
 */
const WEEKDAY = `date_diff('day', DATE '1970-01-05', CAST(substr("at", 1, 10) AS DATE)) % 7`;
const HOUR = `CAST(substr("at", 12, 2) AS INTEGER)`;

/**
 * The report's detail figures, one query each, run by both engines (the counters do not keep them):
 * - `heatmap`: conversations opened per UTC weekday × hour;
 * - `topAnswered`: the FAQ entries answered most, with their average score (ten);
 * - `humanTimes`: per ticket, the first human response (its first agent_reply's `seconds`) and the
 *   resolution (its last resolved's `seconds`); count, sum and max of each (averages from sum ÷ count: the
 *   engines' percentile functions differ, so no median here);
 * - `csatByChannel`, `csatByAgent`: ratings and their sum; a rating goes to the agent who resolved its
 *   ticket in the same period;
 * - `tokensByDay`: model tokens and conversations per day.
 */
export const DETAIL_QUERIES = {
  heatmap: (range: ReportRange) => `SELECT ${WEEKDAY} AS weekday, ${HOUR} AS hour, COUNT(*) AS conversations
FROM events
WHERE ${where(range)} AND type = 'received' AND opens
GROUP BY 1, 2
ORDER BY 1, 2`,
  topAnswered: (range: ReportRange) => `SELECT faq_id, COUNT(*) AS answers, AVG(score) AS average_score
FROM events
WHERE ${where(range)} AND type = 'answered' AND faq_id IS NOT NULL
GROUP BY faq_id
ORDER BY answers DESC, faq_id
LIMIT 10`,
  humanTimes: (range: ReportRange) => `SELECT type, COUNT(*) AS n, SUM(s) AS total, MAX(s) AS longest
FROM (
  SELECT type, ticket, CASE WHEN type = 'agent_reply' THEN MIN(seconds) ELSE MAX(seconds) END AS s
  FROM events
  WHERE ${where(range)} AND type IN ('agent_reply', 'resolved') AND seconds IS NOT NULL
  GROUP BY type, ticket
) per_ticket
GROUP BY type
ORDER BY type`,
  csatByChannel: (range: ReportRange) => `SELECT channel AS k, COUNT(*) AS n, SUM(csat) AS total
FROM events
WHERE ${where(range)} AND type = 'csat'
GROUP BY channel
ORDER BY channel`,
  csatByAgent: (range: ReportRange) => `SELECT resolver AS k, COUNT(*) AS n, SUM(csat) AS total
FROM (SELECT ticket, csat FROM events WHERE ${where(range)} AND type = 'csat') rating
JOIN (
  SELECT ticket, MAX(agent) AS resolver
  FROM events
  WHERE ${where(range)} AND type = 'resolved' AND agent IS NOT NULL
  GROUP BY ticket
) resolution ON rating.ticket = resolution.ticket
GROUP BY resolver
ORDER BY resolver`,
  tokensByDay: (range: ReportRange) => `SELECT dt AS day,
  ${count("type = 'received' AND opens")} AS conversations,
  SUM(CASE WHEN type = 'model_tokens' THEN input_tokens ELSE 0 END) AS input_tokens,
  SUM(CASE WHEN type = 'model_tokens' THEN output_tokens ELSE 0 END) AS output_tokens
FROM events
WHERE ${where(range)}
GROUP BY dt
ORDER BY dt`,
} as const;
export type DetailQuery = keyof typeof DETAIL_QUERIES;

/** The columns of the event table, in order, with their SQL types (Glue and DuckDB alike). */
export const EVENT_COLUMNS = [
  ["v", "int"],
  ["type", "string"],
  ["at", "string"],
  ["channel", "string"],
  ["conversation", "string"],
  ["language", "string"],
  ["opens", "boolean"],
  ["faq_id", "string"],
  ["score", "double"],
  ["reason", "string"],
  ["priority", "string"],
  ["ticket", "string"],
  ["agent", "string"],
  ["csat", "int"],
  ["input_tokens", "bigint"],
  ["output_tokens", "bigint"],
  ["metric", "string"],
  ["seconds", "double"],
] as const;
