import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import type { PickStore, StoredPick } from "../core/picks";
import { RETENTION } from "../resources";
import { dayItems } from "./queries";
import { unlessConditionFails } from "./table";

const DAY_S = 86_400;

/** The UTC day a pick is filed under: the day its message arrived. */
export const pickDay = (at: string) => at.slice(0, 10);

/** What this version reads of an item; an item of another shape (a newer writer's) is left out. */
const StoredPickSchema = z.object({
  id: z.string(),
  wording: z.string(),
  faqId: z.string(),
  offered: z.array(z.string()),
  kbVersion: z.string().optional(),
  channel: z.string(),
  at: z.string(),
  handled: z.string().optional(),
});

/**
 * The clarify picks (TABLES.picks): one item per picking message, partitioned by the UTC day it arrived
 * and keyed by its message key, kept RETENTION.pickDays (the suggestions' window). Written once: a
 * redelivered message finds its record and leaves it, with whatever a supervisor decided on it.
 */
export function createPickStore(doc: DynamoDBDocumentClient, tableName: string): PickStore {
  return {
    async record(pick) {
      await unlessConditionFails(
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              day: pickDay(pick.at),
              ...pick,
              expiresAt: Math.floor(Date.parse(pick.at) / 1000) + RETENTION.pickDays * DAY_S,
            },
            ConditionExpression: "attribute_not_exists(id)",
          }),
        ),
      );
    },
    async listDays(days) {
      // A month of days on each suggestions request: the days' queries in parallel, not one after another.
      const perDay = await Promise.all(
        days.map(async (day) => {
          const picks: StoredPick[] = [];
          for await (const item of dayItems(doc, tableName, day)) {
            const parsed = StoredPickSchema.safeParse(item);
            if (parsed.success) picks.push(parsed.data as StoredPick);
          }
          return picks;
        }),
      );
      return perDay.flat();
    },
    async markHandled(picks, decision) {
      // A popular entry has hundreds of picks: written a batch at a time, not one by one, so a decision
      // fits in the desk API's time.
      await inBatches(picks, MARK_CONCURRENCY, async (pick) => {
        // Only a record that exists: a pick expired meanwhile is not written back as a bare decision.
        await unlessConditionFails(
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { day: pickDay(pick.at), id: pick.id },
              UpdateExpression: "SET handled = :decision",
              ConditionExpression: "attribute_exists(id)",
              ExpressionAttributeValues: { ":decision": decision },
            }),
          ),
        );
      });
    },
  };
}

/** Picks marked at once: well under DynamoDB's per-partition write rate for one day's picks. */
const MARK_CONCURRENCY = 16;

async function inBatches<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let at = 0; at < items.length; at += size) await Promise.all(items.slice(at, at + size).map(work));
}
