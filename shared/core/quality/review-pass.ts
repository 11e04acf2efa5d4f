import type { FaqEntry } from "../faq";
import type { Ticket } from "../ticket";
import {
  type ConversationGrader,
  type ConversationReview,
  type GradeOutcome,
  overallScore,
  type ReviewInput,
  reviewInput,
} from "./review";

/** A resolved ticket waiting for its review (the tickets' sparse `byReviewDue` index). */
export interface DueReview {
  ticketId: string;
  resolvedAt: string;
  /** Attempts that threw (the grader could not be reached). */
  attempts: number;
}

/**
 * The tickets waiting for a review: every resolve puts its ticket on it (shared/stores/tickets.ts), and
 * so does the customer's CSAT rating (shared/stores/ticket-desk.ts), which usually comes after the first
 * review: the ticket is graded again with the rating.
 */
export interface ReviewQueue {
  /** Tickets resolved at or after `since` and not reviewed yet, oldest first. */
  due(since: string, limit: number): Promise<DueReview[]>;
  /**
   * Takes the ticket off the queue, unless it was resolved again since (a newer resolve waits its turn)
   * or, when the review was graded without a rating (`rated` false), a rating has arrived since.
   */
  done(due: DueReview, graded?: { rated: boolean }): Promise<void>;
  /** Counts an attempt that threw; the ticket stays on the queue. */
  failedAttempt(due: DueReview): Promise<void>;
}

export interface ReviewStore {
  put(review: ConversationReview): Promise<void>;
  /** The reviews of tickets resolved on these UTC days (`YYYY-MM-DD`). */
  listDays(days: readonly string[]): Promise<ConversationReview[]>;
}

export interface ReviewPassDeps {
  queue: ReviewQueue;
  reviews: Pick<ReviewStore, "put">;
  tickets: { get(ticketId: string): Promise<Ticket | undefined> };
  /** The FAQ entries the agent's answers relate to, best first. */
  reference(ticket: Ticket): Promise<FaqEntry[]>;
  grader: ConversationGrader;
  now(): Date;
  /** Reviews per pass: bounds a tick's model calls and time (default 5). */
  limit?: number;
  /**
   * Only tickets resolved this recently are reviewed (default 3 days): switching reviews on does not
   * grade, and pay for, every ticket ever resolved.
   */
  windowDays?: number;
  /** Attempts that throw before the review is recorded as failed (default 3). */
  maxAttempts?: number;
  /** Told of an attempt that threw (by name and code only: the logs never see a conversation). */
  onError?(error: unknown, ticketId: string): void;
}

export interface ReviewPassSummary {
  scored: number;
  failed: number;
  /** Taken off the queue without a review: no agent replied, or the ticket was reopened. */
  skipped: number;
  /** Left on the queue for the next pass after an attempt that threw. */
  retrying: number;
}

/**
 * One pass of the QA review (run by the SLA clock's tick, so resolving stays fast): grades the
 * tickets resolved since the window's start, oldest first, and stores one review per ticket. A review
 * does not wait for the customer's rating (the CSAT window is a day by default, too long for QA to
 * wait): a rating that arrives later queues the ticket again, and its new review replaces the first. A model
 * answer that is not a grade is stored as a failed review with its reason, never as a score; a grader
 * that throws is tried again on the next passes, then recorded as failed.
 */
export async function reviewResolvedTickets(deps: ReviewPassDeps): Promise<ReviewPassSummary> {
  const limit = deps.limit ?? 5;
  const maxAttempts = deps.maxAttempts ?? 3;
  const since = new Date(deps.now().getTime() - (deps.windowDays ?? 3) * 86_400_000).toISOString();
  const summary: ReviewPassSummary = { scored: 0, failed: 0, skipped: 0, retrying: 0 };

  for (const due of await deps.queue.due(since, limit)) {
    const ticket = await deps.tickets.get(due.ticketId);
    // Reopened since (a new resolve will queue it again), or gone.
    const input =
      ticket?.status === "resolved" && ticket.resolvedAt === due.resolvedAt
        ? reviewInput(ticket, await deps.reference(ticket))
        : undefined;
    if (!ticket || !input) {
      await deps.queue.done(due);
      summary.skipped++;
      continue;
    }
    let outcome: GradeOutcome;
    try {
      outcome = await deps.grader.grade(input);
    } catch (error) {
      deps.onError?.(error, due.ticketId);
      if (due.attempts + 1 < maxAttempts) {
        await deps.queue.failedAttempt(due);
        summary.retrying++;
        continue;
      }
      outcome = {
        ok: false,
        code: "grader_unavailable",
        reason: `the grader failed ${maxAttempts} times (${(error as Error).name ?? "Error"})`,
      };
    }
    const review = reviewOf(ticket, input, outcome, deps);
    await deps.reviews.put(review);
    await deps.queue.done(due, { rated: input.csat !== undefined });
    summary[review.status]++;
  }
  return summary;
}

function reviewOf(
  ticket: Ticket,
  input: ReviewInput,
  outcome: GradeOutcome,
  deps: Pick<ReviewPassDeps, "grader" | "now">,
): ConversationReview {
  const base = {
    ticketId: ticket.ticketId,
    channel: ticket.channel,
    agent: input.agent,
    resolvedAt: ticket.resolvedAt ?? deps.now().toISOString(),
    reviewedAt: deps.now().toISOString(),
    grader: deps.grader.info,
    faqIds: input.faq.map((e) => e.id),
    ...(input.csat !== undefined ? { csat: input.csat } : {}),
    ...(outcome.usage ? { usage: outcome.usage } : {}),
  };
  return outcome.ok
    ? { ...base, status: "scored", overall: overallScore(outcome.grade), scores: outcome.grade }
    : { ...base, status: "failed", failure: { code: outcome.code, reason: outcome.reason } };
}
