import { describe, expect, it } from "vitest";
import { checkReply, constraintsOf, summaryOf } from "../../../../functions/desk-api/views";
import type { DeskTicket } from "../../../../shared/core/desk/desk";

/** What the desk shows of a ticket and what a customer's channel accepts from an agent now. */
const NOW = new Date("2026-12-01T12:00:00Z");

function ticket(overrides: Partial<DeskTicket> = {}): DeskTicket {
  return {
    ticketId: "KF-ABCDEFGH",
    conversationKey: "wechat:gh:o6_customer",
    channel: "wechat",
    customerId: "o6_bcdefghijklmnkE",
    reason: "customer_request",
    priority: "normal",
    status: "open",
    transcript: [
      { role: "customer", text: "转人工", at: "2026-12-01T10:00:00Z" },
      { role: "bot", text: "已为您转接人工客服", at: "2026-12-01T10:00:01Z" },
      { role: "customer", text: "我的手机号是13812345678", at: "2026-12-01T11:00:00Z" },
    ],
    candidates: [],
    createdAt: "2026-12-01T10:00:00Z",
    updatedAt: "2026-12-01T11:00:00Z",
    ...overrides,
  };
}

describe("a ticket as the desk lists it", () => {
  it("masks the customer and the preview, and counts customer messages since this agent read it", () => {
    const summary = summaryOf(ticket({ readAt: { agent: "2026-12-01T10:30:00Z" } }), "agent");
    expect(summary.customer.display).toBe("wx:o6_b…kE");
    expect(summary.preview).not.toContain("13812345678");
    expect(summary.unread).toBe(1);
    expect(summaryOf(ticket(), "someone-else").unread).toBe(2);
    expect(summary.lastCustomerAt).toBe("2026-12-01T11:00:00Z");
  });

  it("tells customers with short ids apart (local chat users), never showing the whole id", () => {
    const display = (customerId: string) => summaryOf(ticket({ customerId }), "agent").customer.display;
    expect(display("alice")).toBe("wx:…ce");
    expect(display("bob")).toBe("wx:…ob");
    expect(display("ab")).toBe("wx:…");
  });
});

describe("what the customer's channel accepts", () => {
  it("closes WeChat 48 hours after the customer's last message", () => {
    const open = constraintsOf(ticket(), false);
    expect(open).toEqual({ kind: "weixin", maxPartBytes: 2048, windowEndsAt: "2026-12-03T11:00:00.000Z" });
    expect(checkReply("好的", open, NOW)).toEqual({ parts: 1 });
    expect(checkReply("好的", open, new Date("2026-12-03T11:00:00Z"))).toEqual({ closed: "window_closed" });
  });

  it("refuses a 微信客服 reply over five parts, and counts WeChat parts of 2048 bytes", () => {
    const kf = constraintsOf(ticket({ channel: "wecom-kf" }), false);
    expect(checkReply("字".repeat(682 * 5), kf, NOW)).toEqual({ parts: 5 });
    expect(checkReply("字".repeat(682 * 5 + 1), kf, NOW)).toMatchObject({ tooLong: expect.any(String) });
  });

  it("refuses SMS to a customer who opted out, and beyond three segments", () => {
    const sms = constraintsOf(ticket({ channel: "sms", customerId: "+8613812345678" }), false);
    expect(checkReply("a".repeat(459), sms, NOW)).toEqual({ parts: 3 });
    expect(checkReply("a".repeat(460), sms, NOW)).toMatchObject({ tooLong: expect.any(String) });
    expect(checkReply("hi", constraintsOf(ticket({ channel: "sms" }), true), NOW)).toEqual({
      closed: "opted_out",
    });
    expect(summaryOf(ticket({ channel: "sms", customerId: "+8613812345678" }), "a").customer.display).toBe(
      "+86 138****5678",
    );
  });

  it("threads e-mail replies under the customer's subject", () => {
    const email = constraintsOf(
      ticket({
        channel: "email",
        customerId: "li.lei@example.com",
        replyTo: { replyContext: { subject: "Refund", messageId: "<m1@example.com>" } },
      }),
      false,
    );
    expect(email).toEqual({ kind: "email", subject: "Re: Refund", threaded: true });
  });
});
