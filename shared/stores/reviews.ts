import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type ConversationReview, ConversationReviewSchema } from "../core/quality/review";
import type { ReviewQueue, ReviewStore } from "../core/quality/review-pass";
import { RETENTION } from "../resources";
import { dayItems } from "./queries";
import { unlessConditionFails } from "./table";
import { REVIEW_DUE } from "./tickets";

const DAY_S = 86_400;

/** The UTC day a review is filed under: its ticket's resolve day. */
export function reviewDay(resolvedAt: string): string {
  return resolvedAt.slice(0, 10);
}

/**
 * The QA reviews (TABLES.reviews): one item per ticket and resolve day, kept RETENTION.reviewDays. A
 * ticket reviewed again the same day (reopened, resolved again) keeps its latest review.
 */
export function createReviewStore(doc: DynamoDBDocumentClient, tableName: string): ReviewStore {
  return {
    async put(review) {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            day: reviewDay(review.resolvedAt),
            ...review,
            expiresAt: Math.floor(Date.parse(review.reviewedAt) / 1000) + RETENTION.reviewDays * DAY_S,
          },
        }),
      );
    },
    async listDays(days) {
      const reviews: ConversationReview[] = [];
      for (const day of days) {
        for await (const item of dayItems(doc, tableName, day)) {
          // An item this version cannot read (a newer writer's shape) is left out, not a 500.
          const parsed = ConversationReviewSchema.safeParse(item);
          if (parsed.success) reviews.push(parsed.data);
        }
      }
      return reviews;
    },
  };
}

/**
 * The tickets waiting for their QA review: the tickets table's sparse `byReviewDue` index, which every
 * resolve writes (shared/stores/tickets.ts), and a CSAT rating writes again (shared/stores/ticket-desk.ts). Taking a ticket off is conditional on the resolve it was
 * queued by, so a ticket reopened and resolved again meanwhile stays queued for its new resolve.
 */
export function createReviewQueue(doc: DynamoDBDocumentClient, ticketsTable: string): ReviewQueue {
  const sameResolve = "reviewQueue = :due AND resolvedAt = :resolvedAt";
  // A rating recorded while its ticket was graded without one queues the ticket again (ticket-desk.ts):
  // taking it off must not undo that.
  const noRatingSince = " AND attribute_not_exists(csat)";
  async function update(ticketId: string, resolvedAt: string, expression: string, condition = sameResolve) {
    await unlessConditionFails(
      doc.send(
        new UpdateCommand({
          TableName: ticketsTable,
          Key: { ticketId },
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeValues: {
            ":due": REVIEW_DUE,
            ":resolvedAt": resolvedAt,
            ...(expression.includes(":one") ? { ":one": 1 } : {}),
          },
        }),
      ),
    );
  }
  return {
    async due(since, limit) {
      const { Items = [] } = await doc.send(
        new QueryCommand({
          TableName: ticketsTable,
          IndexName: "byReviewDue",
          KeyConditionExpression: "reviewQueue = :due AND resolvedAt >= :since",
          ExpressionAttributeValues: { ":due": REVIEW_DUE, ":since": since },
          Limit: limit,
        }),
      );
      return Items.map((item) => ({
        ticketId: String(item.ticketId),
        resolvedAt: String(item.resolvedAt),
        attempts: Number(item.reviewAttempts ?? 0),
      }));
    },
    done: (due, graded) =>
      update(
        due.ticketId,
        due.resolvedAt,
        "REMOVE reviewQueue, reviewAttempts",
        graded?.rated === false ? sameResolve + noRatingSince : sameResolve,
      ),
    failedAttempt: (due) => update(due.ticketId, due.resolvedAt, "ADD reviewAttempts :one"),
  };
}
