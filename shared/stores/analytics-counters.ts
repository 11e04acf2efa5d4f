import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { AnalyticsEvent } from "../core/analytics/events";
import {
  type ChannelFigures,
  counterUpdates,
  FIGURES,
  HANDOFF_REASON_PREFIX,
} from "../core/analytics/report";
import { dayItems } from "./queries";

/** The counters of one day and channel, as read back. */
export interface CounterItem {
  day: string;
  channel: string;
  figures: Partial<ChannelFigures>;
  handoffsByReason: Record<string, number>;
}

/**
 * The real-time analytics counters (TABLES.analyticsCounters): one UpdateItem ADD per day × channel a
 * batch of events touches — a few writes per batch, whatever the traffic — and a Query per day to read.
 */
export function createAnalyticsCounters(doc: DynamoDBDocumentClient, tableName: string) {
  return {
    async add(events: readonly AnalyticsEvent[]): Promise<void> {
      await Promise.all(
        counterUpdates(events).map(({ day, channel, add }) => {
          const names = Object.keys(add);
          return doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { day, channel },
              UpdateExpression: `ADD ${names.map((_, i) => `#n${i} :v${i}`).join(", ")}`,
              ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#n${i}`, name])),
              ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:v${i}`, add[name]])),
            }),
          );
        }),
      );
    },

    /** Every channel's counters of each day from `since` to `until` (YYYY-MM-DD, both included). */
    async read(since: string, until: string): Promise<CounterItem[]> {
      const items: CounterItem[] = [];
      for (const day of daysBetween(since, until)) {
        for await (const item of dayItems(doc, tableName, day)) items.push(counterItem(item));
      }
      return items;
    },
  };
}
export type AnalyticsCounters = ReturnType<typeof createAnalyticsCounters>;

function counterItem(item: Record<string, unknown>): CounterItem {
  const figures: Partial<ChannelFigures> = {};
  const handoffsByReason: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    if (typeof value !== "number") continue;
    if (name.startsWith(HANDOFF_REASON_PREFIX))
      handoffsByReason[name.slice(HANDOFF_REASON_PREFIX.length)] = value;
    else if ((FIGURES as readonly string[]).includes(name)) figures[name as keyof ChannelFigures] = value;
  }
  return { day: String(item.day), channel: String(item.channel), figures, handoffsByReason };
}

/** The UTC days from `since` to `until`, both included (a report's range is days, not times). */
export function daysBetween(since: string, until: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${since}T00:00:00Z`); t <= Date.parse(`${until}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}
