import { describe, expect, it } from "vitest";
import type { DeskRequest } from "../../../../functions/desk-api/route";
import { type TicketRoutesDeps, ticketRoutes } from "../../../../functions/desk-api/routes/tickets";
import type { UnsealedEvent } from "../../../../shared/core/analytics/events";
import type { DeskTicketStore } from "../../../../shared/core/desk/desk";
import { AgentReplyResultSchema } from "../../../../shared/core/desk/wire";
import { ChannelApiError, DeliveryUnknownError } from "../../../../shared/core/errors";
import type { OutboundMessage } from "../../../../shared/core/message";
import { compileRuleSet } from "../../../../shared/core/quality/inspection";
import type { Ticket } from "../../../../shared/core/ticket";
import { memoryInspectionAudit } from "../../../../shared/stores/inspection-audit";
import { memoryOutbox, memoryTickets } from "../../../../shared/stores/memory";

/**
 * The desk's reply route (POST /tickets/:id/reply) on fakes: what the agent is told, and what the
 * ticket, the outbox, the audit trail and analytics keep, when the channel's answer never comes; and the
 * desk events an assign, a transfer and a reopen leave on the ticket.
 */

// A minute ago: WeChat's 48-hour reply window is open.
const opened = new Date(Date.now() - 60_000).toISOString();
const ticket: Ticket = {
  ticketId: "KF-TEST0001",
  conversationKey: "wechat:gh_test:o-customer",
  channel: "wechat",
  customerId: "o-customer",
  reason: "customer_request",
  priority: "normal",
  status: "open",
  transcript: [{ role: "customer", text: "转人工", at: opened }],
  candidates: [],
  createdAt: opened,
  updatedAt: opened,
};

function deskWith(send: TicketRoutesDeps["send"]) {
  const tickets = memoryTickets();
  const outbox = memoryOutbox();
  const audit = memoryInspectionAudit();
  const audited: { event: string; data: Record<string, string> }[] = [];
  const events: UnsealedEvent[] = [];
  const firstResponses: string[] = [];
  const desk: DeskTicketStore = {
    ...tickets,
    listUnresolved: async () => [],
    listResolved: async () => [],
    listByConversation: async () => [],
    async claim(id, agent) {
      const held = tickets.items.get(id);
      if (held) Object.assign(held, { assignee: agent, status: "assigned" });
    },
    assign: async () => {},
    transfer: async () => {},
    reopen: async () => {},
    markRead: async () => {},
    acquireReplyLease: async () => true,
    releaseReplyLease: async () => {},
  };
  const deps: TicketRoutesDeps = {
    tickets: desk,
    faqEntries: async () => new Map(),
    send,
    outbox,
    optedOut: async () => false,
    audit: (event, data) => audited.push({ event, data }),
    agents: { release: async () => {}, restore: async () => {} },
    care: {
      recordFirstResponse: async (_id, at) => void firstResponses.push(at.toISOString()),
      markCsatAsked: async () => {},
    },
    csat: { windowMs: 0, channelTexts: {} },
    inspection: { rules: async () => compileRuleSet("v1", []), audit },
    analytics: { record: (batch) => void events.push(...batch), flush: async () => {} },
  };
  return { tickets, outbox, audit, audited, events, firstResponses, deps };
}

async function reply(deps: TicketRoutesDeps, text: string) {
  const route = ticketRoutes.find((r) => r.method === "POST" && r.path === "/tickets/:id/reply");
  if (!route) throw new Error("no reply route");
  const request: DeskRequest = {
    method: "POST",
    path: `/tickets/${ticket.ticketId}/reply`,
    params: { id: ticket.ticketId },
    query: {},
    body: { text },
    user: { id: "agent-1", groups: ["agent"] },
    now: new Date(),
  };
  return route.handle(request, deps);
}

describe("a desk reply whose delivery is unknown", () => {
  it("answers 202 delivery_unknown, not 503 'try again', and records the reply as possibly delivered", async () => {
    const wentOut: OutboundMessage[] = [];
    const { tickets, outbox, audit, audited, events, firstResponses, deps } = deskWith(async (message) => {
      // The request left; the platform's answer never came (a timeout after sending).
      wentOut.push(message);
      throw new DeliveryUnknownError("WeChat send", new DOMException("timed out", "TimeoutError"));
    });
    await tickets.create(structuredClone(ticket));

    const answer = await reply(deps, "您好，退款已办理。");

    expect(answer.status).toBe(202);
    const body = AgentReplyResultSchema.parse(answer.body);
    expect(body).toMatchObject({ delivery: "unknown", unknownPart: 0, turn: { delivery: "unknown" } });
    expect(wentOut).toHaveLength(1);
    // In the ticket's history, marked: the agent sees the customer may have it.
    const stored = (await tickets.get(ticket.ticketId))?.transcript.at(-1);
    expect(stored).toMatchObject({
      role: "agent",
      text: "您好，退款已办理。",
      agent: "agent-1",
      delivery: "unknown",
    });
    // The outbox as the worker writes it for the same case: the part that may have gone out.
    const [record] = [...outbox.items.values()];
    expect(record).toMatchObject({ partsSent: 0, done: false, unknownPart: 0 });
    expect(record?.refusal).toBeUndefined();
    // Inspected and audited before it went out; the desk's audit names it by ids only.
    expect(audit.items.size).toBe(1);
    expect(audited).toEqual([
      {
        event: "reply_delivery_unknown",
        data: { ticketId: ticket.ticketId, agent: "agent-1", messageKey: record?.messageKey },
      },
    ]);
    // The agent did answer: first response and the reply counted once.
    expect(firstResponses).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(["agent_reply"]);
  });

  it("still answers 503 'try again' to a refusal that retrying can fix (nothing recorded on the ticket)", async () => {
    const { tickets, deps } = deskWith(async () => {
      throw new ChannelApiError("WeChat busy", { retryable: true });
    });
    await tickets.create(structuredClone(ticket));
    await expect(reply(deps, "您好。")).rejects.toMatchObject({ status: 503, code: "retry" });
    expect((await tickets.get(ticket.ticketId))?.transcript.some((t) => t.role === "agent")).toBe(false);
  });
});

describe("a ticket assigned, transferred or reopened from the desk", () => {
  async function move(deps: TicketRoutesDeps, action: string, user: DeskRequest["user"], body: unknown = {}) {
    const route = ticketRoutes.find((r) => r.method === "POST" && r.path === `/tickets/:id/${action}`);
    if (!route) throw new Error(`no ${action} route`);
    return route.handle(
      {
        method: "POST",
        path: `/tickets/${ticket.ticketId}/${action}`,
        params: { id: ticket.ticketId },
        query: {},
        body,
        user,
        now: new Date(),
      },
      deps,
    );
  }

  it("says so on the ticket, signed by who did it, moves the agents' load and answers the ticket's summary", async () => {
    const { tickets, deps } = deskWith(async () => {});
    const load: string[] = [];
    deps.agents = {
      release: async (id) => void load.push(`-${id}`),
      restore: async (id) => void load.push(`+${id}`),
    };
    await tickets.create({ ...structuredClone(ticket), status: "assigned", assignee: "agent-1" });
    const lead: DeskRequest["user"] = { id: "lead", groups: ["agent", "supervisor"] };
    const assigned = await move(deps, "assign", lead, { agentId: "agent-2" });
    expect(assigned).toMatchObject({ status: 200, body: { ticketId: ticket.ticketId } });
    await move(deps, "transfer", { id: "agent-2", groups: ["agent"] }, { skill: "billing" });
    // The fake store moves nothing itself: the ticket as the transfer and a resolve would leave it.
    Object.assign(tickets.items.get(ticket.ticketId) ?? {}, { status: "resolved", assignee: "agent-2" });
    const reopened = await move(deps, "reopen", { id: "agent-2", groups: ["agent"] });
    expect(reopened).toMatchObject({ status: 200, body: { ticketId: ticket.ticketId } });
    const events = (await tickets.get(ticket.ticketId))?.transcript
      .filter((t) => t.role === "system")
      .map((t) => [t.text, t.agent]);
    expect(events).toEqual([
      ["assigned to agent-2", "lead"],
      ["transferred to billing", "agent-2"],
      ["reopened by agent-2", "agent-2"],
    ]);
    expect(load).toEqual(["-agent-1", "+agent-2", "-agent-1", "+agent-2"]);
  });
});
