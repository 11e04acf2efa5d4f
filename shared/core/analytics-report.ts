import type { AnalyticsEvent } from "./analytics";
import { eventDay } from "./analytics";

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
export interface AnalyticsReport {
  since: string;
  until: string;
  channel?: string;
  conversations: number;
  /** Customer messages received (platform events such as subscribe are not messages). */
  messages: number;
  handoffs: number;
  containment: number | null;
  /** Conversations per channel. */
  byChannel: Record<string, number>;
  handoffsByReason: Record<string, number>;
  answered: number;
  clarified: number;
  smallTalk: number;
  /** Agents' replies, tickets resolved and SLA deadlines missed, in the period. */
  agentReplies: number;
  resolved: number;
  slaBreaches: number;
  csat: { count: number; average: number | null };
  tokens: { input: number; output: number };
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
  range: { since: string; until: string; channel?: string },
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
  range: { since: string; until: string; channel?: string },
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
