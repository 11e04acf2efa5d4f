import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { documentClient } from "../../shared/aws/clients";
import { loadSlaConfig } from "../../shared/config/load-desk";
import type { ConversationReview } from "../../shared/core/quality/review";
import { createHeuristicGrader } from "../../shared/core/quality/review-heuristic";
import { reviewResolvedTickets } from "../../shared/core/quality/review-pass";
import type { Ticket } from "../../shared/core/ticket";
import { createReviewQueue, createReviewStore } from "../../shared/stores/reviews";
import { createTicketDeskStore } from "../../shared/stores/ticket-desk";
import { createTicketStore } from "../../shared/stores/tickets";
import { testEnv } from "../support/local-env";

/**
 * The QA review's stores on DynamoDB Local: every resolve queues its ticket on the sparse byReviewDue
 * index, the pass takes it off once reviewed (not if it was resolved again meanwhile), and the review
 * lands under its resolve day.
 */
const config = loadSlaConfig(testEnv());
const doc = documentClient(config.runtime);
const tickets = createTicketStore(doc, config.tables.tickets, config.tables.ticketTurns);
const queue = createReviewQueue(doc, config.tables.tickets);
const reviews = createReviewStore(doc, config.tables.reviews);
const desk = createTicketDeskStore(doc, config.tables.tickets);

const run = Date.now().toString(36).toUpperCase();
const resolvedAt = new Date("2026-11-30T08:00:00.000Z");
const now = new Date("2026-11-30T08:01:00.000Z");

function ticket(suffix: string, transcript: Ticket["transcript"]): Ticket {
  return {
    ticketId: `KF-R${run}${suffix}`,
    conversationKey: `wechat#o_review_${run}`,
    channel: "wechat",
    customerId: `o_review_${run}`,
    reason: "customer_request",
    priority: "normal",
    status: "assigned",
    transcript,
    candidates: [],
    createdAt: "2026-11-30T07:00:00.000Z",
    updatedAt: "2026-11-30T07:00:00.000Z",
  };
}
const at = "2026-11-30T07:30:00.000Z";
const humanHandled = [
  { role: "customer" as const, text: "怎么退货？我手机13812345678", at },
  { role: "agent" as const, text: "抱歉让您久等，签收后7天内可申请退货。", at, agent: "zhang" },
];
const mine = <T extends { ticketId: string }>(list: T[]) =>
  list.filter((d) => d.ticketId.startsWith(`KF-R${run}`));

describe("the QA review on DynamoDB Local", () => {
  it("reviews each resolved ticket once, skips the bot-only one, and files the review by resolve day", async () => {
    const human = await tickets.create(ticket("A", humanHandled));
    const botOnly = await tickets.create(ticket("B", [{ role: "customer", text: "hi", at }]));
    await tickets.resolve(human.ticketId, resolvedAt);
    await tickets.resolve(botOnly.ticketId, resolvedAt);
    expect(
      mine(await queue.due("2026-11-29T00:00:00.000Z", 100))
        .map((d) => d.ticketId)
        .sort(),
    ).toEqual([human.ticketId, botOnly.ticketId]);

    const pass = {
      queue,
      reviews,
      tickets,
      reference: async () => [],
      grader: createHeuristicGrader(),
      now: () => now,
      limit: 100,
    };
    const summary = await reviewResolvedTickets(pass);
    expect(summary.scored).toBeGreaterThanOrEqual(1);
    expect(mine(await queue.due("2026-11-29T00:00:00.000Z", 100))).toEqual([]);

    const filed = mine(await reviews.listDays(["2026-11-30"])) as ConversationReview[];
    expect(filed.map((r) => r.ticketId)).toEqual([human.ticketId]);
    expect(filed[0]).toMatchObject({ status: "scored", agent: "zhang", grader: { kind: "heuristic" } });
    const { Item } = await doc.send(
      new GetCommand({
        TableName: config.tables.reviews,
        Key: { day: "2026-11-30", ticketId: human.ticketId },
      }),
    );
    expect(Item?.expiresAt).toBeGreaterThan(now.getTime() / 1000 + 365 * 86_400);
    // The review holds scores and reasons only: no conversation text, so nothing personal to mask.
    expect(JSON.stringify(Item)).not.toContain("13812345678");
  });

  it("keeps a ticket queued when it was resolved again after the pass read it", async () => {
    const t = await tickets.create(ticket("C", humanHandled));
    await tickets.resolve(t.ticketId, resolvedAt);
    const [due] = mine(await queue.due("2026-11-30T07:59:00.000Z", 100)).filter(
      (d) => d.ticketId === t.ticketId,
    );
    if (!due) throw new Error("the resolve did not queue the ticket");
    await tickets.resolve(t.ticketId, new Date("2026-11-30T09:00:00.000Z"));
    await queue.failedAttempt(due);
    await queue.done(due);
    const [again] = mine(await queue.due("2026-11-30T07:59:00.000Z", 100)).filter(
      (d) => d.ticketId === t.ticketId,
    );
    expect(again).toEqual({ ticketId: t.ticketId, resolvedAt: "2026-11-30T09:00:00.000Z", attempts: 0 });
    await queue.failedAttempt(again as NonNullable<typeof again>);
    const [counted] = mine(await queue.due("2026-11-30T07:59:00.000Z", 100)).filter(
      (d) => d.ticketId === t.ticketId,
    );
    expect(counted?.attempts).toBe(1);
    await queue.done(counted as NonNullable<typeof counted>);
    expect(
      mine(await queue.due("2026-11-30T07:59:00.000Z", 100)).filter((d) => d.ticketId === t.ticketId),
    ).toEqual([]);
  });

  it("queues a reviewed ticket again when the customer rates it, and keeps it queued if graded unrated", async () => {
    const t = await tickets.create(ticket("D", humanHandled));
    await tickets.resolve(t.ticketId, resolvedAt);
    const queued = async () =>
      mine(await queue.due("2026-11-30T07:59:00.000Z", 100)).filter((d) => d.ticketId === t.ticketId);
    const [due] = await queued();
    if (!due) throw new Error("the resolve did not queue the ticket");
    // Graded without a rating, then the rating arrives before the pass takes it off: it stays queued.
    expect(await desk.recordCsat(t.ticketId, { score: 5 }, now)).toBe(true);
    await queue.done(due, { rated: false });
    expect(await queued()).toHaveLength(1);
    // Graded with the rating: taken off.
    await queue.done(due, { rated: true });
    expect(await queued()).toEqual([]);
  });

  it("re-queues on a rating that comes after the ticket's review", async () => {
    const t = await tickets.create(ticket("E", humanHandled));
    await tickets.resolve(t.ticketId, resolvedAt);
    const [due] = mine(await queue.due("2026-11-30T07:59:00.000Z", 100)).filter(
      (d) => d.ticketId === t.ticketId,
    );
    if (!due) throw new Error("the resolve did not queue the ticket");
    await queue.done(due, { rated: false });
    expect(await desk.recordCsat(t.ticketId, { score: 4 }, now)).toBe(true);
    expect(
      mine(await queue.due("2026-11-30T07:59:00.000Z", 100)).filter((d) => d.ticketId === t.ticketId),
    ).toEqual([{ ticketId: t.ticketId, resolvedAt: resolvedAt.toISOString(), attempts: 0 }]);
  });
});
