import { describe, expect, it } from "vitest";
import { replyAsAgent, resolveTicket, TicketClosedError } from "../../../shared/core/desk";
import { NotFoundError } from "../../../shared/core/errors";
import type { OutboundMessage } from "../../../shared/core/message";
import type { Ticket } from "../../../shared/core/ticket";
import { memoryTickets } from "../../support/fakes";

const ticket: Ticket = {
  ticketId: "KF-TEST0001",
  conversationKey: "email:support@kefu.example:<root@mail>",
  channel: "email",
  customerId: "li@example.com",
  replyTo: { from: "support@kefu.example", replyContext: { messageId: "<m2@mail>", subject: "退货" } },
  reason: "customer_request",
  priority: "normal",
  status: "open",
  transcript: [{ role: "customer", text: "转人工", at: "2026-11-21T10:00:00.000Z" }],
  candidates: [],
  createdAt: "2026-11-21T10:00:00.000Z",
  updatedAt: "2026-11-21T10:00:00.000Z",
};

function deps() {
  const tickets = memoryTickets();
  const sent: OutboundMessage[] = [];
  return {
    tickets,
    sent,
    desk: {
      tickets,
      now: () => new Date("2026-11-21T10:05:00Z"),
      send: async (m: OutboundMessage) => void sent.push(m),
    },
  };
}

describe("the agents' desk", () => {
  it("replies through the customer's channel with the routing data the customer's message carried", async () => {
    const { tickets, sent, desk } = deps();
    await tickets.create(structuredClone(ticket));
    await replyAsAgent(ticket.ticketId, "您好，已为您办理退货。", desk);
    expect(sent).toEqual([
      {
        channel: "email",
        conversationKey: ticket.conversationKey,
        to: "li@example.com",
        from: "support@kefu.example",
        text: "您好，已为您办理退货。",
        replyContext: { messageId: "<m2@mail>", subject: "退货" },
      },
    ]);
    expect(tickets.items.get(ticket.ticketId)?.transcript.at(-1)).toEqual({
      role: "agent",
      text: "您好，已为您办理退货。",
      at: "2026-11-21T10:05:00.000Z",
    });
  });

  it("refuses to write on a resolved ticket or one that does not exist", async () => {
    const { tickets, sent, desk } = deps();
    await tickets.create(structuredClone(ticket));
    await resolveTicket(ticket.ticketId, desk);
    await expect(replyAsAgent(ticket.ticketId, "hi", desk)).rejects.toBeInstanceOf(TicketClosedError);
    await expect(replyAsAgent("KF-NONE", "hi", desk)).rejects.toBeInstanceOf(NotFoundError);
    await expect(resolveTicket("KF-NONE", desk)).rejects.toBeInstanceOf(NotFoundError);
    expect(sent).toEqual([]);
  });

  it("does not record the reply when the channel refuses it", async () => {
    const { tickets, desk } = deps();
    await tickets.create(structuredClone(ticket));
    const failing = { ...desk, send: async () => Promise.reject(new Error("SES throttled")) };
    await expect(replyAsAgent(ticket.ticketId, "hi", failing)).rejects.toThrow("SES throttled");
    expect(tickets.items.get(ticket.ticketId)?.transcript).toHaveLength(1);
  });
});
