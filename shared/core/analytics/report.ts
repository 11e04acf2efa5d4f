import type { z } from "zod";
import type {
  AnalyticsReportSchema,
  CsatFiguresSchema,
  HumanTimeSchema,
  ReportDetailsSchema,
  ReportQualitySchema,
  UnansweredTopicSchema,
} from "../desk/wire";
import { type InspectionRecord, qualityReport } from "../quality/audit";
import type { AnalyticsEvent } from "./events";
import { eventDay } from "./events";
import { type DetailQuery, REPORT_TIME_ZONE } from "./queries";

/**
 * The figures of a period, the same whichever engine computed them: the DynamoDB counters (recent days,
 * cheap) or SQL over the event history (Athena in AWS, DuckDB locally).
 *
 * Containment is the share of conversations resolved without a person: a conversation (an analytics
 * session, SESSION_IDLE_MS) is contained unless it was handed off; each hand-off is one ticket, so
 * containment = (conversations − hand-offs) / conversations, at least 0, and null for no conversations.
 * (A session handed off twice — its first ticket resolved and closed before the session went idle — counts
 * twice; that is rare, and it errs on the side of a lower figure.)
 */
export type AnalyticsReport = z.infer<typeof AnalyticsReportSchema>;

export type UnansweredTopic = z.infer<typeof UnansweredTopicSchema>;

/** A model's price in USD per million tokens, for the report's cost estimate. */
export interface ModelPrice {
  input: number;
  output: number;
}

/**
 * Bedrock on-demand prices (us-east-1, USD per million tokens) of the answer models the stack may be
 * given (cdk.json `answerModelId`). AWS's price list is not reachable offline: these are the figures
 * published sources give, not read from AWS, so treat them as unverified and set KEFU_MODEL_PRICES
 * for your region and model (the AWS bill is the reference):
 * - Claude 3 Haiku 0.25 / 1.25: Anthropic's published price (opencode.ai/data/anthropic/claude-3-haiku-20240307);
 * - Claude 3.5 Haiku 0.80 / 4.00: deploybase.ai/articles/amazon-bedrock-pricing, quoting the AWS
 *   Bedrock pricing page (March 2026).
 * A cross-region inference profile (`us.`, `eu.`, `apac.`…) is priced as its model here.
 */
export const DEFAULT_MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  "anthropic.claude-3-haiku-20240307-v1:0": { input: 0.25, output: 1.25 },
  "anthropic.claude-3-5-haiku-20241022-v1:0": { input: 0.8, output: 4 },
};

/** The price of a model: the operators' (by exact id) over the defaults (by id, profile prefix dropped). */
export function modelPriceFor(
  modelId: string | undefined,
  overrides: Readonly<Record<string, ModelPrice>> = {},
): ModelPrice | undefined {
  if (!modelId) return undefined;
  const foundation = modelId.replace(/^(us|eu|apac|us-gov|ca|jp|au|global)\./, "");
  return overrides[modelId] ?? overrides[foundation] ?? DEFAULT_MODEL_PRICES[foundation];
}

/** Seconds of a human step over a period's tickets. */
export type HumanTime = z.infer<typeof HumanTimeSchema>;

export type CsatFigures = z.infer<typeof CsatFiguresSchema>;

export type ReportDetails = z.infer<typeof ReportDetailsSchema>;

const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));
/**
 * The detail figures from the rows of DETAIL_QUERIES (numbers as the engine gives them: bigint, string…);
 * costs at `price` (the answer model's, ReportRange.modelPrice), none without one.
 */
export function detailsFromRows(
  rows: Record<DetailQuery, readonly Record<string, unknown>[]>,
  price?: ModelPrice,
): ReportDetails {
  const estimatedCost = (input: number, output: number) =>
    price ? (input * price.input + output * price.output) / 1e6 : null;
  const humanTime = (type: string): HumanTime => {
    const row = rows.humanTimes.find((r) => r.type === type);
    const tickets = num(row?.n);
    return {
      tickets,
      averageSeconds: tickets === 0 ? null : num(row?.total) / tickets,
      longestSeconds: tickets === 0 ? null : num(row?.longest),
    };
  };
  const csat = (list: readonly Record<string, unknown>[]) =>
    Object.fromEntries(
      list.map((r) => [
        String(r.k),
        { count: num(r.n), average: num(r.n) === 0 ? null : num(r.total) / num(r.n) },
      ]),
    );
  const tokensByDay = rows.tokensByDay.map((r) => ({
    day: String(r.day),
    conversations: num(r.conversations),
    input: num(r.input_tokens),
    output: num(r.output_tokens),
    estimatedCostUsd: estimatedCost(num(r.input_tokens), num(r.output_tokens)),
  }));
  const cost = price ? tokensByDay.reduce((sum, d) => sum + (d.estimatedCostUsd ?? 0), 0) : null;
  const conversations = tokensByDay.reduce((sum, d) => sum + d.conversations, 0);
  return {
    source: "sql",
    heatmap: rows.heatmap.map((r) => ({
      weekday: num(r.weekday),
      hour: num(r.hour),
      conversations: num(r.conversations),
    })),
    topAnswered: rows.topAnswered.map((r) => ({
      faqId: String(r.faq_id),
      answers: num(r.answers),
      averageScore:
        r.average_score === null || r.average_score === undefined ? null : Number(r.average_score),
    })),
    firstHumanResponse: humanTime("agent_reply"),
    resolution: humanTime("resolved"),
    csatByChannel: csat(rows.csatByChannel),
    csatByAgent: csat(rows.csatByAgent),
    tokensByDay,
    estimatedCostUsd: cost,
    estimatedCostPerConversationUsd: conversations === 0 || cost === null ? null : cost / conversations,
  };
}

/**
 * The quality-inspection figures of the report: the audit trail's report (shared/core/quality/audit.ts) with
 * the messages sent as the events count them, so that `shareInspected` compares two independent sources.
 */
export type ReportQuality = z.infer<typeof ReportQualitySchema>;

/**
 * The outgoing messages of a report: what the channels' sender delivered (`sent` events, one per message
 * whoever wrote it), counted apart from the audit trail. An inspection whose message the platform then
 * refused is in the trail and not sent, so inspected ÷ sent may exceed 1; the share is capped at 1, and
 * anything under 1 means a message went out without its inspection.
 */
export function messagesSent(report: AnalyticsReport): number {
  return report.sent;
}

/** The report with its quality section, from the audit records of the same days (other channels left out). */
export function withQuality(report: AnalyticsReport, records: readonly InspectionRecord[]): AnalyticsReport {
  const sent = messagesSent(report);
  const inChannel = report.channel ? records.filter((r) => r.channel === report.channel) : records;
  const quality = qualityReport(inChannel, { since: report.since, until: report.until, sent });
  return { ...report, quality: { ...quality, messagesSent: sent, blocked: quality.decisions.blocked } };
}

/** What one channel and period counts; the counters keep one per day × channel. */
export interface ChannelFigures {
  conversations: number;
  received: number;
  answered: number;
  clarified: number;
  small_talk: number;
  handed_off: number;
  agent_reply: number;
  resolved: number;
  sla_breach: number;
  sent: number;
  csat_count: number;
  csat_sum: number;
  input_tokens: number;
  output_tokens: number;
}

export const FIGURES: readonly (keyof ChannelFigures)[] = [
  "conversations",
  "received",
  "answered",
  "clarified",
  "small_talk",
  "handed_off",
  "agent_reply",
  "resolved",
  "sla_breach",
  "sent",
  "csat_count",
  "csat_sum",
  "input_tokens",
  "output_tokens",
];

/** Counter attributes of hand-offs by reason: `handoff_<reason>`. */
export const HANDOFF_REASON_PREFIX = "handoff_";

/** What an event adds to its day × channel counters (attribute → amount). */
export function counterDeltas(event: AnalyticsEvent): Record<string, number> {
  switch (event.type) {
    case "received":
      return event.opens ? { received: 1, conversations: 1 } : { received: 1 };
    case "handed_off":
      return { handed_off: 1, [`${HANDOFF_REASON_PREFIX}${event.reason ?? "unknown"}`]: 1 };
    case "csat":
      return { csat_count: 1, csat_sum: event.csat ?? 0 };
    case "model_tokens":
      return { input_tokens: event.input_tokens ?? 0, output_tokens: event.output_tokens ?? 0 };
    default:
      return { [event.type]: 1 };
  }
}

/** The counter updates of a batch of events, summed per day × channel. */
export function counterUpdates(
  events: readonly AnalyticsEvent[],
): { day: string; channel: string; add: Record<string, number> }[] {
  const groups = new Map<string, { day: string; channel: string; add: Record<string, number> }>();
  for (const event of events) {
    const day = eventDay(event.at);
    const key = `${day}|${event.channel}`;
    const group = groups.get(key) ?? { day, channel: event.channel, add: {} };
    for (const [name, amount] of Object.entries(counterDeltas(event))) {
      group.add[name] = (group.add[name] ?? 0) + amount;
    }
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** The report from per-channel figures and hand-offs per reason, summed over the period. */
export function buildReport(input: {
  since: string;
  until: string;
  channel?: string;
  timeZone?: string;
  byChannel: Record<string, Partial<ChannelFigures>>;
  handoffsByReason: Record<string, number>;
}): AnalyticsReport {
  const total = (name: keyof ChannelFigures) =>
    Object.values(input.byChannel).reduce((sum, figures) => sum + (figures[name] ?? 0), 0);
  const conversations = total("conversations");
  const handoffs = total("handed_off");
  const csatCount = total("csat_count");
  return {
    since: input.since,
    until: input.until,
    ...(input.channel ? { channel: input.channel } : {}),
    timeZone: input.timeZone ?? REPORT_TIME_ZONE,
    conversations,
    messages: total("received"),
    handoffs,
    containment: conversations === 0 ? null : Math.max(0, conversations - handoffs) / conversations,
    byChannel: Object.fromEntries(
      Object.entries(input.byChannel)
        .map(([channel, figures]) => [channel, figures.conversations ?? 0] as const)
        .filter(([, n]) => n > 0)
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    handoffsByReason: Object.fromEntries(
      Object.entries(input.handoffsByReason)
        .filter(([, n]) => n > 0)
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    answered: total("answered"),
    clarified: total("clarified"),
    smallTalk: total("small_talk"),
    agentReplies: total("agent_reply"),
    resolved: total("resolved"),
    slaBreaches: total("sla_breach"),
    sent: total("sent"),
    csat: { count: csatCount, average: csatCount === 0 ? null : total("csat_sum") / csatCount },
    tokens: { input: total("input_tokens"), output: total("output_tokens") },
  };
}

/** The report from the counters of the period's days (items of other channels are left out). */
export function reportFromCounters(
  items: readonly {
    channel: string;
    figures: Partial<ChannelFigures>;
    handoffsByReason: Record<string, number>;
  }[],
  range: { since: string; until: string; channel?: string; timeZone?: string },
): AnalyticsReport {
  const byChannel: Record<string, Partial<ChannelFigures>> = {};
  const handoffsByReason: Record<string, number> = {};
  for (const item of items) {
    if (range.channel && item.channel !== range.channel) continue;
    const figures = byChannel[item.channel] ?? {};
    for (const name of FIGURES) figures[name] = (figures[name] ?? 0) + (item.figures[name] ?? 0);
    byChannel[item.channel] = figures;
    for (const [reason, n] of Object.entries(item.handoffsByReason)) {
      handoffsByReason[reason] = (handoffsByReason[reason] ?? 0) + n;
    }
  }
  return buildReport({ ...range, byChannel, handoffsByReason });
}

/** The report from the rows of channelFiguresSql and handoffReasonsSql (numbers as the engine gives them). */
export function reportFromRows(
  channelRows: readonly Record<string, unknown>[],
  reasonRows: readonly Record<string, unknown>[],
  range: { since: string; until: string; channel?: string; timeZone?: string },
): AnalyticsReport {
  const byChannel: Record<string, Partial<ChannelFigures>> = {};
  for (const row of channelRows) {
    byChannel[String(row.channel)] = Object.fromEntries(
      FIGURES.map((name) => [name, Number(row[name] ?? 0)]),
    );
  }
  const handoffsByReason = Object.fromEntries(
    reasonRows.map((row) => [String(row.reason ?? "unknown"), Number(row.handoffs ?? 0)]),
  );
  return buildReport({ ...range, byChannel, handoffsByReason });
}
