import { Logger } from "@aws-lambda-powertools/logger";
import { describe, expect, it, vi } from "vitest";
import { makeHandler, type SlaDeps } from "../../../functions/sla/handler";
import { lambdaContext } from "../../../local/event-source";
import type { UnsealedEvent } from "../../../shared/core/analytics/events";
import { type Agent, DEFAULT_ROUTING_RULES } from "../../../shared/core/desk/routing";
import { DEFAULT_SLA_POLICIES } from "../../../shared/core/desk/sla";
import { classifyTicket, type DeskAlert } from "../../../shared/core/desk/ticket-care";
import { createHeuristicGrader } from "../../../shared/core/quality/review-heuristic";
import type { Ticket } from "../../../shared/core/ticket";
import {
  memoryAgents,
  memoryReviewQueue,
  memoryReviews,
  memoryTicketDesk,
  memoryTickets,
} from "../../../shared/stores/memory";

/**
 * The SLA clock's handler as makeHandler builds it, on fakes: one tick records a breach (ticket, alert,
 * analytics), offers the waiting ticket to an agent, and runs the QA review without letting it stop the
 * clock. The rules themselves are tested in test/unit/core (sla, routing, review).
 */

const opened = new Date("2026-12-01T10:00:00Z");
const afterFirstResponseDue = new Date(opened.getTime() + 61 * 60_000);

function waitingTicket(): Ticket {
  const input = {
    channel: "wechat" as const,
    customerId: "o6_customer",
    language: "zh",
    reason: "customer_request" as const,
    priority: "normal" as const,
    openedAt: opened,
  };
  return {
    ticketId: "KF-CLOCK001",
    conversationKey: "wechat:o6_customer",
    channel: input.channel,
    customerId: input.customerId,
    reason: input.reason,
    priority: input.priority,
    status: "open",
    transcript: [],
    candidates: [],
    createdAt: opened.toISOString(),
    updatedAt: opened.toISOString(),
    ...classifyTicket(input, { routing: DEFAULT_ROUTING_RULES, sla: DEFAULT_SLA_POLICIES }),
  };
}

function agentFor(ticket: Ticket): Agent {
  return {
    id: "li",
    displayName: "Li",
    groups: ["agent"],
    skills: [...(ticket.skills ?? [])],
    status: "online",
    maxConcurrent: 3,
    openTickets: 0,
  };
}

async function clockWithFakes(review?: SlaDeps["review"]) {
  const tickets = memoryTickets();
  const ticket = waitingTicket();
  await tickets.create(ticket);
  const alerts: DeskAlert[] = [];
  const recorded: UnsealedEvent[] = [];
  const flush = vi.fn(async () => {});
  const logger = new Logger({ serviceName: "kefu", logLevel: "SILENT" });
  const deps: SlaDeps = {
    tickets,
    desk: memoryTicketDesk(tickets),
    agents: memoryAgents([agentFor(ticket)]),
    routing: DEFAULT_ROUTING_RULES,
    alert: async (alert) => {
      alerts.push(alert);
    },
    logger,
    analytics: { record: (events) => recorded.push(...events), flush },
    now: () => afterFirstResponseDue,
    ...(review ? { review } : {}),
  };
  const handler = makeHandler(deps);
  const tick = () => handler({}, lambdaContext("sla"));
  return { tick, tickets, alerts, recorded, flush, logger };
}

describe("the SLA clock handler", () => {
  it("records a missed deadline on the ticket, alerts it, counts it in analytics and routes the waiting ticket", async () => {
    const { tick, tickets, alerts, recorded, flush } = await clockWithFakes();

    const summary = await tick();

    expect(summary).toEqual({ checked: 1, breached: 1, alertFailures: 0, waiting: 1, routed: 1 });
    expect(tickets.items.get("KF-CLOCK001")).toMatchObject({
      status: "assigned",
      assignee: "li",
      sla: { breached: ["first_response"] },
    });
    expect(alerts).toEqual([expect.objectContaining({ kind: "sla_breached", ticketId: "KF-CLOCK001" })]);
    expect(recorded).toEqual([
      expect.objectContaining({ type: "sla_breach", ticket: "KF-CLOCK001", metric: "first_response" }),
    ]);
    expect(flush).toHaveBeenCalledTimes(1);

    // The next tick has nothing new: the clock moved on to the resolution deadline, the ticket is taken.
    expect(await tick()).toEqual({ checked: 0, breached: 0, alertFailures: 0, waiting: 0, routed: 0 });
  });

  it("logs a QA review pass that fails and still returns the clock's work", async () => {
    const review: NonNullable<SlaDeps["review"]> = {
      queue: {
        ...memoryReviewQueue(memoryTickets()),
        due: async () => {
          throw new Error("the review index is unreachable");
        },
      },
      reviews: memoryReviews(),
      tickets: memoryTickets(),
      reference: async () => [],
      grader: createHeuristicGrader(),
    };
    const { tick, logger } = await clockWithFakes(review);
    const errors = vi.spyOn(logger, "error");

    const summary = await tick();

    expect(summary).toEqual({
      checked: 1,
      breached: 1,
      alertFailures: 0,
      waiting: 1,
      routed: 1,
      reviews: undefined,
    });
    expect(errors).toHaveBeenCalledWith("qa review pass failed", expect.objectContaining({}));
  });
});
