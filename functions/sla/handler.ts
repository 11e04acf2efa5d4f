import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { type EventSink, ticketEvent } from "../../shared/core/analytics";
import type { AgentStore, TicketDeskStore } from "../../shared/core/desk-ports";
import type { TicketStore } from "../../shared/core/pipeline/ports";
import { type Alert, routeWaiting, runSlaClock } from "../../shared/core/ticket-care";

/** What the SLA clock works with: the tickets, their desk fields, the agents, the alerter, the time. */
export interface SlaDeps {
  tickets: Pick<TicketStore, "append" | "listByStatus">;
  desk: TicketDeskStore;
  agents: AgentStore;
  alert: Alert;
  logger: Logger;
  /** Analytics: one `sla_breach` event per deadline missed (best effort, never throws). */
  analytics?: EventSink;
  now(): Date;
}

/**
 * The SLA clock, run every minute by an EventBridge schedule (locally by a timer of the embedded
 * stack): records and alerts the breaches of tickets whose next deadline has passed, and offers the
 * tickets still waiting to the agents (some came online or finished one since).
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
    return summary;
  }

  return middy(tick).use(injectLambdaContext(logger));
}
