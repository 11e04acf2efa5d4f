import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { type EventSink, ticketEvent } from "../../shared/core/analytics/events";
import type { AgentStore, TicketDeskStore } from "../../shared/core/desk/ports";
import type { RoutingRules } from "../../shared/core/desk/routing";
import { type Alert, routeWaiting, runSlaClock } from "../../shared/core/desk/ticket-care";
import { describeFailure } from "../../shared/core/failure";
import type { TicketStore } from "../../shared/core/pipeline/ports";
import { type ReviewPassDeps, reviewResolvedTickets } from "../../shared/core/quality/review-pass";

/** What the SLA clock works with: the tickets, their desk fields, the agents, the alerter, the time. */
export interface SlaDeps {
  tickets: Pick<TicketStore, "append" | "listByStatus">;
  desk: TicketDeskStore;
  agents: AgentStore;
  /** The routing rules' languages: waiting tickets are offered to agents again by them. */
  routing: Pick<RoutingRules, "languages">;
  alert: Alert;
  logger: Logger;
  /** Analytics: one `sla_breach` event per deadline missed (best effort, never throws). */
  analytics?: EventSink;
  now(): Date;
  /** The QA review of resolved tickets, when KEFU_QA_REVIEW is on (its `now` is the clock's). */
  review?: Omit<ReviewPassDeps, "now" | "onError">;
}

/**
 * The SLA clock, run every minute by an EventBridge schedule (locally by a timer of the embedded
 * stack): records and alerts the breaches of tickets whose next deadline has passed, offers the
 * tickets still waiting to the agents (some came online or finished one since), and, when the QA review
 * is on, grades a few tickets resolved since (shared/core/quality/review-pass.ts). The review runs here rather
 * than in the resolve request so that a resolve never waits on a model, and rather than behind a queue
 * of its own because this tick already runs every minute over the tickets table: a minute's delay costs
 * a QA queue nothing, and a pass's limit bounds the model calls a tick makes.
 */
export function makeHandler(deps: SlaDeps) {
  const { logger } = deps;

  async function tick() {
    const clock = await runSlaClock(deps);
    const at = deps.now();
    deps.analytics?.record(
      clock.breached.flatMap((ticket) =>
        ticket.kinds.map((metric) => ticketEvent("sla_breach", ticket, at, { metric })),
      ),
    );
    await deps.analytics?.flush();
    const waiting = await deps.tickets.listByStatus("open");
    const routed = await routeWaiting(waiting, deps);
    const summary = {
      checked: clock.checked,
      breached: clock.breached.length,
      alertFailures: clock.alertFailures,
      waiting: waiting.length,
      routed: routed.length,
    };
    if (clock.breached.length || clock.alertFailures || routed.length) {
      logger.info("sla clock", { ...summary, tickets: clock.breached.map((b) => b.ticketId) });
    }
    return { ...summary, ...(deps.review ? { reviews: await review(deps.review) } : {}) };
  }

  /** The QA review's pass, after the SLA work: its failure is logged and never stops the clock. */
  async function review(reviewDeps: NonNullable<SlaDeps["review"]>) {
    try {
      const reviews = await reviewResolvedTickets({
        ...reviewDeps,
        now: deps.now,
        onError: (error, ticketId) =>
          logger.warn("qa review attempt failed", { ticketId, ...describeFailure(error) }),
      });
      if (reviews.scored || reviews.failed || reviews.retrying) logger.info("qa reviews", { ...reviews });
      return reviews;
    } catch (error) {
      logger.error("qa review pass failed", { ...describeFailure(error) });
      return undefined;
    }
  }

  return middy(tick).use(injectLambdaContext(logger));
}
