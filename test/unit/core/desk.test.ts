import { describe, expect, it } from "vitest";
import { blockedReplyText } from "../../../local/cli/desk-findings";
import { duplicateCheckInterval } from "../../../shared/channels/wecom/outbound";
import { kfMsgId } from "../../../shared/channels/wecom-kf/outbound";
import {
  ReplyBlockedError,
  ReplyDeliveryUnknownError,
  replyAsAgent,
  resolveTicket,
  TicketClosedError,
} from "../../../shared/core/desk/desk";
import { DeliveryUnknownError, NotFoundError } from "../../../shared/core/errors";
import type { OutboundMessage } from "../../../shared/core/message";
import { inspectedOnly } from "../../../shared/core/outgoing";
import { compileRuleSet } from "../../../shared/core/quality/inspection";
import type { Ticket } from "../../../shared/core/ticket";
import { memoryInspectionAudit } from "../../../shared/stores/inspection-audit";
import { memoryTickets } from "../../../shared/stores/memory";

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
  const audit = memoryInspectionAudit();
  return {
    tickets,
    sent,
    audit,
    desk: {
      tickets,
      now: () => new Date("2026-11-21T10:05:00Z"),
      // Behind the channels' door: only inspected messages go out.
      send: inspectedOnly(async (m: OutboundMessage) => void sent.push(m)),
      inspection: { rules: async () => RULES, audit },
    },
  };
}

describe("the agents' desk", () => {
  it("tells two replies with the same text apart, so the channels' de-duplication never drops the second", async () => {
    const { tickets, sent, desk } = deps();
    await tickets.create(structuredClone(ticket));
    await replyAsAgent(ticket.ticketId, "好的", desk);
    await replyAsAgent(ticket.ticketId, "好的", desk, { sendId: "desk#KF-TEST0001#given" });
    const [first, second] = sent as [OutboundMessage, OutboundMessage];
    expect(first.inReplyTo).toMatch(/^desk#KF-TEST0001#/);
    expect(second.inReplyTo).toBe("desk#KF-TEST0001#given");
    // 微信客服 refuses a msgid it has seen: the second reply must not reuse the first one's.
    expect(kfMsgId(second, 0, "好的")).not.toBe(kfMsgId(first, 0, "好的"));
    expect([first, second].map((m) => duplicateCheckInterval(m, 0))).toHaveLength(2);
  });

  it("replies through the customer's channel with the routing data the customer's message carried", async () => {
    const { tickets, sent, audit, desk } = deps();
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
        inReplyTo: expect.stringMatching(/^desk#KF-TEST0001#/),
        inspection: {
          inspectionId: expect.stringMatching(/^desk#KF-TEST0001#/),
          author: "agent",
          digest: expect.any(String),
        },
      },
    ]);
    // Inspected and recorded before it went out, like the desk API's replies.
    expect([...audit.items.values()]).toEqual([
      expect.objectContaining({ author: "agent", decision: "sent", ticketId: ticket.ticketId }),
    ]);
    expect(tickets.items.get(ticket.ticketId)?.transcript.at(-1)).toEqual({
      role: "agent",
      text: "您好，已为您办理退货。",
      at: "2026-11-21T10:05:00.000Z",
    });
  });

  it("sends the agent's reply as written, flags personal data typed in full, and stores it masked", async () => {
    const { tickets, sent, audit, desk } = deps();
    const withPersonalData = compileRuleSet("v2", [
      {
        id: "personal-data",
        category: "personal_data",
        severity: "warn",
        terms: [],
        detect: ["phone"],
        allow: [],
        appliesTo: ["agent"],
      },
    ]);
    await tickets.create(structuredClone(ticket));
    const text = "请拨打我的手机13812345678联系我";
    const turn = await replyAsAgent(ticket.ticketId, text, {
      ...desk,
      inspection: { rules: async () => withPersonalData, audit },
    });
    expect(sent.map((m) => m.text)).toEqual([text]);
    expect([...audit.items.values()]).toEqual([
      expect.objectContaining({
        decision: "sent",
        findings: [expect.objectContaining({ ruleId: "personal-data", term: "phone" })],
        text: "请拨打我的手机138****5678联系我",
      }),
    ]);
    expect(turn.text).toBe("请拨打我的手机138****5678联系我");
    expect(tickets.items.get(ticket.ticketId)?.transcript.at(-1)).toEqual(turn);
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

  it("does not send a reply that breaks a blocking rule (npm run desk, /dev routes): it is recorded blocked", async () => {
    const { tickets, sent, audit, desk } = deps();
    await tickets.create(structuredClone(ticket));
    await expect(replyAsAgent(ticket.ticketId, "我们保证明天到账", desk)).rejects.toBeInstanceOf(
      ReplyBlockedError,
    );
    expect(sent).toEqual([]);
    expect([...audit.items.values()]).toEqual([
      expect.objectContaining({ decision: "blocked", author: "agent" }),
    ]);
    expect(tickets.items.get(ticket.ticketId)?.transcript).toHaveLength(1);
  });

  it("says which rule stopped a reply and the words it matched, and sends it with a reason (npm run desk)", async () => {
    const { tickets, sent, audit, desk } = deps();
    await tickets.create(structuredClone(ticket));
    const text = "我们保证明天到账";
    const blocked = await replyAsAgent(ticket.ticketId, text, desk).catch((error: unknown) => error);
    expect(blocked).toBeInstanceOf(ReplyBlockedError);
    const findings = (blocked as ReplyBlockedError).findings;
    expect(findings).toEqual([expect.objectContaining({ ruleId: RULES.rules[0]?.rule.id, matched: "保证" })]);
    const printed = blockedReplyText(ticket.ticketId, text, findings);
    expect(printed).toContain(`${RULES.rules[0]?.rule.id} (block): "保证"`);
    expect(printed).toContain(`npm run desk -- reply ${ticket.ticketId} "${text}" --reason`);

    await replyAsAgent(ticket.ticketId, text, desk, { agent: "li", override: { reason: "合同原文" } });
    expect(sent.map((m) => m.text)).toEqual([text]);
    expect([...audit.items.values()].map((r) => [r.decision, r.reason])).toEqual([
      ["blocked", undefined],
      ["sent_with_reason", "合同原文"],
    ]);
  });

  it("does not record the reply when the channel refuses it", async () => {
    const { tickets, desk } = deps();
    await tickets.create(structuredClone(ticket));
    const failing = { ...desk, send: async () => Promise.reject(new Error("SES throttled")) };
    await expect(replyAsAgent(ticket.ticketId, "hi", failing)).rejects.toThrow("SES throttled");
    expect(tickets.items.get(ticket.ticketId)?.transcript).toHaveLength(1);
  });

  it("records a reply the channel never answered for as possibly delivered, and says so", async () => {
    const { tickets, desk } = deps();
    await tickets.create(structuredClone(ticket));
    const unanswered = {
      ...desk,
      send: async () => Promise.reject(new DeliveryUnknownError("SES send", new Error("socket hang up"))),
    };
    const error = await replyAsAgent(ticket.ticketId, "您好", unanswered, { agent: "agent-1" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReplyDeliveryUnknownError);
    expect((error as ReplyDeliveryUnknownError).code).toBe("delivery_unknown");
    const recorded = {
      role: "agent",
      text: "您好",
      at: "2026-11-21T10:05:00.000Z",
      agent: "agent-1",
      delivery: "unknown",
    };
    expect((error as ReplyDeliveryUnknownError).turn).toEqual(recorded);
    expect(tickets.items.get(ticket.ticketId)?.transcript.at(-1)).toEqual(recorded);
  });
});
