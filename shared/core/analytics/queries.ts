import { CHANNELS, type Channel } from "../message";

/**
 * The report's SQL, in the one place both engines read it: Athena (Trino, over the Glue table
 * `events`) and DuckDB (over a view `events` on the local JSON Lines files). Written in the subset both
 * run: SUM(CASE …), GROUP BY, string comparison of the `dt` partition, no engine-only function. The
 * period is a range of `dt` days, which Athena's partition projection turns into the S3 prefixes read.
 */

export interface ReportRange {
  /** First and last day, YYYY-MM-DD, both included: UTC days, the `dt` partitions and the counters' days. */
  since: string;
  until: string;
  channel?: Channel;
  /** The IANA time zone the heat map's hours and weekdays are read in (REPORT_TIME_ZONE when absent). */
  timeZone?: string;
  /** The answer model's price, for the cost estimate (none: no estimate). Not part of the SQL. */
  modelPrice?: { input: number; output: number };
}

/**
 * The heat map's time zone unless the operators set another (KEFU_REPORT_TIME_ZONE): the teams that read
 * these reports work on China time (WeChat, WeCom, DingTalk customers), one zone without daylight saving;
 * in UTC their lunch-time peak would show at 04h.
 */
export const REPORT_TIME_ZONE = "Asia/Shanghai";

export class InvalidTimeZoneError extends Error {
  readonly code = "invalid_time_zone";
  constructor(zone: string) {
    super(`not an IANA time zone: ${zone}`);
    this.name = "InvalidTimeZoneError";
  }
}

/** The zone, checked (IANA names such as Asia/Shanghai, Europe/Berlin, UTC). */
export function checkTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
  } catch {
    throw new InvalidTimeZoneError(zone);
  }
  // Only names: the zone is written into the SQL, and every IANA name is letters, digits, / _ + -.
  if (!/^[A-Za-z0-9/_+-]{1,64}$/.test(zone)) throw new InvalidTimeZoneError(zone);
  return zone;
}

/** The zone's offset from UTC at `t`, in minutes (480 for Asia/Shanghai). */
export function zoneOffsetMinutes(zone: string, t: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(new Date(t))
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  const local = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day, parts.hour, parts.minute);
  return Math.round((local - Math.floor(t / 60_000) * 60_000) / 60_000);
}

const QUARTER_HOUR = 15 * 60_000;

/**
 * The events' local time in the range's zone, in SQL both engines run: the zone's offsets over the range
 * (a day either side), each from the instant it starts, as a CASE on the ISO `at` (which sorts as text).
 * No engine's zone functions: Athena's and DuckDB's differ, and DuckDB's need an extension.
 */
function localTimeSql(range: ReportRange): string {
  const zone = checkTimeZone(range.timeZone ?? REPORT_TIME_ZONE);
  const start = Date.parse(`${range.since}T00:00:00Z`) - 86_400_000;
  const end = Date.parse(`${range.until}T00:00:00Z`) + 2 * 86_400_000;
  const spans: { from: number; offset: number }[] = [];
  // Zones change offset on a quarter hour at the finest.
  for (let t = start; t < end; t += QUARTER_HOUR) {
    const offset = zoneOffsetMinutes(zone, t);
    if (spans.at(-1)?.offset !== offset) spans.push({ from: t, offset });
  }
  const utc = `CAST(replace(substr("at", 1, 19), 'T', ' ') AS TIMESTAMP)`;
  const shifted = (offset: number) =>
    offset >= 0 ? `${utc} + INTERVAL '${offset}' MINUTE` : `${utc} - INTERVAL '${-offset}' MINUTE`;
  if (spans.length === 1) return shifted(spans[0]?.offset ?? 0);
  const cases = spans
    .slice(1)
    .map(
      (span, i) =>
        `WHEN "at" < '${new Date(span.from).toISOString()}' THEN ${shifted(spans[i]?.offset ?? 0)}`,
    );
  return `CASE ${cases.join(" ")} ELSE ${shifted(spans.at(-1)?.offset ?? 0)} END`;
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
 * The report's detail figures, one query each, run by both engines (the counters do not keep them):
 * - `heatmap`: conversations opened per weekday (0 = Monday, days since a Monday modulo 7) × hour, in the
 *   range's time zone;
 * - `topAnswered`: the FAQ entries answered most, with their average score (ten);
 * - `humanTimes`: per ticket, the first human response (its first agent_reply's `seconds`) and the
 *   resolution (its last resolved's `seconds`); count, sum and max of each (averages from sum ÷ count: the
 *   engines' percentile functions differ, so no median here);
 * - `csatByChannel`, `csatByAgent`: ratings and their sum; a rating goes to the agent who resolved its
 *   ticket in the same period;
 * - `tokensByDay`: model tokens and conversations per day.
 */
export const DETAIL_QUERIES = {
  heatmap: (
    range: ReportRange,
  ) => `SELECT date_diff('day', DATE '1970-01-05', CAST(local_at AS DATE)) % 7 AS weekday,
  hour(local_at) AS hour,
  COUNT(*) AS conversations
FROM (
  SELECT ${localTimeSql(range)} AS local_at
  FROM events
  WHERE ${where(range)} AND type = 'received' AND opens
) opened
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
