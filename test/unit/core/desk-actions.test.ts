import { describe, expect, it } from "vitest";
import { replyFromAgent, resolveAsAgent } from "../../../shared/core/desk/actions";
import {
  type DeskTicket,
  type DeskTicketStore,
  ReplyBlockedError,
  TicketConflictError,
} from "../../../shared/core/desk/desk";
import type { OutboundMessage } from "../../../shared/core/message";
import { inspectedOnly } from "../../../shared/core/outgoing";
import { compileRuleSet } from "../../../shared/core/quality/inspection";
import { memoryInspectionAudit } from "../../../shared/stores/inspection-audit";
import { memoryAgents, memoryTickets } from "../../../shared/stores/memory";

/**
 * An agent's reply from `npm run desk` and /dev/tickets (replyFromAgent) takes the ticket as a reply in
 * the desk does: a ticket nobody holds becomes the agent's, with a slot of their capacity that the
 * resolve gives back.
 */

const RULES = compileRuleSet("v1", [
  {
    id: "promise",
    category: "promise",
    severity: "block",
    terms: ["保证"],
    detect: [],
    allow: [],
    appliesTo: ["bot", "agent"],
  },
]);

const opened = "2026-11-21T10:00:00.000Z";
const ticket: DeskTicket = {
  ticketId: "KF-TEST0001",
  conversationKey: "email:support@kefu.example:<root@mail>",
  channel: "email",
  customerId: "li@example.com",
  replyTo: { from: "support@kefu.example", replyContext: { messageId: "<m2@mail>", subject: "退货" } },
  reason: "customer_request",
  priority: "normal",
  status: "open",
  transcript: [{ role: "customer", text: "转人工", at: opened }],
  candidates: [],
  createdAt: opened,
  updatedAt: opened,
};

function deps(options: { claimedMeanwhileBy?: string } = {}) {
  const tickets = memoryTickets();
  const agents = memoryAgents();
  const sent: OutboundMessage[] = [];
  // The claim's condition as the DynamoDB store writes it: unresolved, and nobody else holds it.
  const desk: DeskTicketStore = {
    ...tickets,
    listUnresolved: async () => [],
    listResolved: async () => [],
    listByConversation: async () => [],
    async claim(id, agent) {
      const held = tickets.items.get(id) as DeskTicket | undefined;
      if (options.claimedMeanwhileBy && held) held.assignee = options.claimedMeanwhileBy;
      if (!held || held.status === "resolved") throw new TicketConflictError("ticket_resolved", id);
      if (held.assignee && held.assignee !== agent) throw new TicketConflictError("already_claimed", id);
      Object.assign(held, { assignee: agent, status: "assigned" });
    },
    assign: async () => {},
    transfer: async () => {},
    reopen: async () => {},
    markRead: async () => {},
    acquireReplyLease: async () => true,
    releaseReplyLease: async () => {},
  };
  return {
    tickets,
    agents,
    sent,
    actions: {
      tickets: desk,
      agents,
      now: () => new Date("2026-11-21T10:05:00Z"),
      send: inspectedOnly(async (m: OutboundMessage) => void sent.push(m)),
      inspection: { rules: async () => RULES, audit: memoryInspectionAudit() },
      care: { recordFirstResponse: async () => {}, markCsatAsked: async () => {} },
      csat: { windowMs: 0, channelTexts: {} },
    },
  };
}

const held = (tickets: ReturnType<typeof memoryTickets>) =>
  tickets.items.get(ticket.ticketId) as DeskTicket | undefined;

describe("an agent's reply from npm run desk and /dev/tickets", () => {
  it("takes a ticket nobody holds, with a slot the resolve gives back", async () => {
    const { tickets, agents, sent, actions } = deps();
    await tickets.create(structuredClone(ticket));
    await replyFromAgent(ticket.ticketId, "您好，已为您处理。", "wang", actions);
    expect(sent).toHaveLength(1);
    expect(held(tickets)).toMatchObject({ status: "assigned", assignee: "wang" });
    expect(agents.items.get("wang")?.openTickets).toBe(1);

    // A second reply by the same agent takes no second slot.
    await replyFromAgent(ticket.ticketId, "还有别的问题吗？", "wang", actions);
    expect(agents.items.get("wang")?.openTickets).toBe(1);

    const current = held(tickets);
    if (!current) throw new Error("no ticket");
    await resolveAsAgent(structuredClone(current), "wang", new Date(), actions);
    expect(agents.items.get("wang")?.openTickets).toBe(0);
  });

  it("leaves a ticket another agent holds to them (a supervisor stepping in)", async () => {
    const { tickets, agents, sent, actions } = deps();
    await tickets.create({ ...structuredClone(ticket), status: "assigned", assignee: "li" } as DeskTicket);
    await replyFromAgent(ticket.ticketId, "我来补充一下。", "zhang", actions);
    expect(sent).toHaveLength(1);
    expect(held(tickets)).toMatchObject({ status: "assigned", assignee: "li" });
    expect(agents.items.get("zhang")).toBeUndefined();
  });

  it("takes nothing when the reply is blocked by a quality rule", async () => {
    const { tickets, agents, sent, actions } = deps();
    await tickets.create(structuredClone(ticket));
    await expect(replyFromAgent(ticket.ticketId, "我们保证明天到账", "wang", actions)).rejects.toBeInstanceOf(
      ReplyBlockedError,
    );
    expect(sent).toEqual([]);
    expect(held(tickets)).toMatchObject({ status: "open" });
    expect(held(tickets)?.assignee).toBeUndefined();
    expect(agents.items.get("wang")).toBeUndefined();
  });

  it("keeps the reply it sent when another agent took the ticket meanwhile", async () => {
    const { tickets, agents, sent, actions } = deps({ claimedMeanwhileBy: "li" });
    await tickets.create(structuredClone(ticket));
    const turn = await replyFromAgent(ticket.ticketId, "您好", "wang", actions);
    expect(turn).toMatchObject({ role: "agent", agent: "wang" });
    expect(sent).toHaveLength(1);
    expect(held(tickets)?.assignee).toBe("li");
    expect(agents.items.get("wang")).toBeUndefined();
  });
});
