/**
 * The development mock's analytics counters: 120 days of plausible traffic per channel (weekday rhythm,
 * hand-offs around one in five conversations, CSAT around 4.3), deterministic so tests can rely on them.
 * Summed by the product's own reportFromCounters, so the mock's GET /reports has the real shape.
 */
import { type AnalyticsReport, reportFromCounters } from "../../shared/core/analytics/report";

/** One day × channel of counters, as the store reads them back (shared/stores is out of the desk's reach). */
type CounterItem = Parameters<typeof reportFromCounters>[0][number] & { day: string };

const DAY_MS = 86_400_000;
export const SEED_ANALYTICS_DAYS = 120;

/** Conversations a weekday brings per channel: 公众号 and 微信客服 lead, as for most Chinese retailers. */
const DAILY: Record<string, number> = {
  wechat: 140,
  "wecom-kf": 90,
  wecom: 22,
  dingtalk: 18,
  email: 14,
  sms: 9,
  twilio: 3,
};
const REASONS: [string, number][] = [
  ["low_confidence", 0.46],
  ["customer_request", 0.28],
  ["negative_sentiment", 0.12],
  ["repeated_failure", 0.08],
  ["sensitive_topic", 0.06],
];

/** A number in [0, 1) from a day and a channel, the same on every run. */
function noise(day: number, salt: string): number {
  let h = 2166136261 ^ day;
  for (const ch of salt) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return ((h >>> 0) % 10_000) / 10_000;
}

export function seedCounters(now: number): CounterItem[] {
  const items: CounterItem[] = [];
  const today = Math.floor(now / DAY_MS);
  for (let d = today - SEED_ANALYTICS_DAYS + 1; d <= today; d++) {
    const weekday = new Date(d * DAY_MS).getUTCDay();
    const rhythm = weekday === 0 || weekday === 6 ? 0.55 : 1;
    for (const [channel, base] of Object.entries(DAILY)) {
      const n = (salt: string) => noise(d, `${channel}:${salt}`);
      const conversations = Math.round(base * rhythm * (0.8 + 0.4 * n("c")));
      const handedOff = Math.round(conversations * (0.14 + 0.1 * n("h")));
      const received = Math.round(conversations * (2.2 + 0.8 * n("m")));
      const resolved = Math.round(handedOff * (0.85 + 0.1 * n("r")));
      const csatCount = Math.round(resolved * 0.35);
      const handoffsByReason: Record<string, number> = {};
      let left = handedOff;
      for (const [i, [reason, share]] of REASONS.entries()) {
        const count = i === REASONS.length - 1 ? left : Math.min(left, Math.round(handedOff * share));
        if (count > 0) handoffsByReason[reason] = count;
        left -= count;
      }
      const answered = Math.round(received * (0.68 + 0.08 * n("a")));
      items.push({
        day: new Date(d * DAY_MS).toISOString().slice(0, 10),
        channel,
        figures: {
          conversations,
          received,
          answered,
          clarified: Math.round(received * 0.07),
          small_talk: Math.round(received * 0.05),
          handed_off: handedOff,
          agent_reply: Math.round(handedOff * (2.5 + n("ar"))),
          resolved,
          sla_breach: Math.round(handedOff * 0.05 * n("s") * 2),
          csat_count: csatCount,
          csat_sum: Math.round(csatCount * (4.0 + 0.6 * n("cs"))),
          input_tokens: answered * 860,
          output_tokens: answered * 115,
        },
        handoffsByReason,
      });
    }
  }
  return items;
}

/** The report of a range, as GET /reports answers it. */
export function seedReport(
  items: readonly CounterItem[],
  range: { since: string; until: string; channel?: string },
): AnalyticsReport {
  return reportFromCounters(
    items.filter((item) => item.day >= range.since && item.day <= range.until),
    range,
  );
}
