import { describe, expect, it } from "vitest";
import { channelTexts } from "../../../shared/channels/registry";
import { sealEvents } from "../../../shared/core/analytics/events";
import { replyAsAgent } from "../../../shared/core/desk/desk";
import { afterResolve } from "../../../shared/core/desk/ticket-care";
import type { EngineResult } from "../../../shared/core/engine";
import { KEYWORD_EVENT, type OutboundMessage } from "../../../shared/core/message";
import {
  inspectedOnly,
  receiptFor,
  type SentMessage,
  sentEvent,
  UninspectedMessageError,
} from "../../../shared/core/outgoing";
import { processMessage } from "../../../shared/core/pipeline/index";
import { compileRuleSet } from "../../../shared/core/quality/inspection";
import { memoryAgents, memoryTicketDesk } from "../../../shared/stores/memory";
import { inbound, pipelineDeps, scriptedEngine } from "../../support/fakes";

const message: OutboundMessage = {
  channel: "wechat",
  conversationKey: "wechat:gh:o-1",
  to: "o-1",
  text: "您好",
  replyContext: {},
};

describe("the one door to a customer", () => {
  it("counts a message sent without anything that links it to the customer (a phone number hashed alone)", () => {
    const message = { channel: "sms", conversationKey: "sms:+15550000000:+8613812345678" } as SentMessage;
    const [first, second] = sealEvents("k".repeat(32), [
      sentEvent(message, new Date("2026-12-01T10:00:00Z")),
      sentEvent(message, new Date("2026-12-01T10:00:01Z")),
    ]);
    expect(first).toMatchObject({ type: "sent", channel: "sms" });
    expect(first?.conversation).not.toBe(second?.conversation);
    expect(JSON.stringify(first)).not.toContain("13812345678");
  });

  it("refuses a message without the receipt of its inspection, or with a text changed after it", async () => {
    const delivered: OutboundMessage[] = [];
    const counted: SentMessage[] = [];
    const send = inspectedOnly(async (m) => void delivered.push(m), { onSent: (m) => counted.push(m) });
    await expect(send(message)).rejects.toBeInstanceOf(UninspectedMessageError);
    const receipt = receiptFor({ messageId: "wechat#m1#answer", author: "bot" }, "您好");
    await expect(
      send({ ...message, text: "您好，我们保证最好", inspection: receipt }),
    ).rejects.toBeInstanceOf(UninspectedMessageError);
    expect(delivered).toEqual([]);
    await send({ ...message, inspection: receipt });
    expect(delivered).toHaveLength(1);
    expect(counted).toEqual([{ ...message, inspection: receipt }]);
  });

  it("is passed by every path that writes to a customer, each message with its audit record", async () => {
    // One blocking rule, so that the safe sentence path runs too; the fakes' sender is behind the door.
    const rules = compileRuleSet("v-test", [
      {
        id: "test.block",
        category: "banned",
        severity: "block",
        terms: ["禁词"],
        detect: [],
        allow: [],
        appliesTo: ["bot", "agent"],
      },
    ]);
    const handoff: EngineResult = {
      decision: { kind: "handoff", reason: "customer_request", priority: "normal" },
      candidates: [],
    };
    const lowConfidence: EngineResult = {
      decision: { kind: "handoff", reason: "low_confidence", priority: "normal" },
      candidates: [],
    };
    const answer = (text: string): EngineResult => ({
      decision: { kind: "answer", text, faqIds: ["returns"], confidence: 0.9 },
      candidates: [],
    });
    const engine = scriptedEngine((input) => {
      if (input.text.includes("人工")) return handoff;
      if (input.text.includes("哪个")) {
        return {
          decision: {
            kind: "clarify",
            text: "您是问退货还是换货？",
            options: [
              { faqId: "returns", question: "退货" },
              { faqId: "exchange", question: "换货" },
            ],
          },
          candidates: [],
        };
      }
      if (input.text.includes("天气") || /[ぁ-ん]/.test(input.text)) return lowConfidence;
      if (input.text.includes("禁")) return answer("这个禁词不能说");
      return answer("请在订单页申请退货");
    });
    Object.assign(engine, { scope: { inScope: () => false, topics: () => ["退货"] } });
    const base = pipelineDeps(engine);
    base.deps.inspection = { rules: async () => rules, audit: base.audit, fallback: "safe_answer" };

    const customer = (id: string, overrides: Parameters<typeof inbound>[0] = {}) =>
      inbound({ id, conversationKey: `wechat:gh:${id}`, sender: { id }, ...overrides });
    const outcomes = [
      await processMessage(customer("c1", { kind: "event", event: "subscribe", text: "" }), base.deps),
      await processMessage(customer("c2"), base.deps),
      await processMessage(customer("c3", { text: "你是哪个？退货还是换货" }), base.deps),
      await processMessage(customer("c4", { text: "你好" }), base.deps),
      await processMessage(customer("c5", { text: "明天天气怎么样" }), base.deps),
      await processMessage(customer("c6", { text: "こんにちは、元気ですか" }), base.deps),
      await processMessage(
        customer("c7", { kind: "media", text: "", attachments: [{ type: "image", ref: "m1" }] }),
        base.deps,
      ),
      await processMessage(customer("c8", { text: "禁止的问题" }), base.deps),
      await processMessage(
        customer("c9", {
          channel: "sms",
          conversationKey: "sms:+15550000000:+14255550100",
          sender: { id: "+14255550100" },
          kind: "event",
          event: KEYWORD_EVENT,
          text: "HELP",
          replyContext: { keyword: "help" },
        }),
        base.deps,
      ),
      await processMessage(customer("c10", { text: "转人工" }), base.deps),
    ];
    expect(outcomes.map((o) => o.action)).toEqual([
      "welcomed",
      "answered",
      "clarified",
      "small_talk",
      "out_of_scope",
      "language_notice",
      "media_declined",
      "withheld",
      "keyword_answered",
      "handed_off",
    ]);

    // The agents' side: a reply from the desk, then the CSAT question at the resolve.
    const ticketId = (outcomes.at(-1) as { ticketId: string }).ticketId;
    const inspection = { rules: async () => rules, audit: base.audit };
    await replyAsAgent(
      ticketId,
      "您好，我来处理。",
      { tickets: base.tickets, send: base.deps.send, inspection, now: base.deps.now },
      { agent: "ann" },
    );
    const ticket = await base.tickets.get(ticketId);
    if (!ticket) throw new Error("no ticket");
    await base.tickets.resolve(ticketId, base.deps.now());
    const asked = await afterResolve(ticket, {
      agents: memoryAgents([]),
      desk: memoryTicketDesk(base.tickets),
      tickets: base.tickets,
      send: base.deps.send,
      inspection,
      csat: { windowMs: 3_600_000, channelTexts: channelTexts() },
      now: base.deps.now,
    });
    expect(asked).toEqual({ asked: true });

    // Twelve messages went out, and each is the very text an audit record let through.
    expect(base.sent).toHaveLength(12);
    for (const sent of base.sent) {
      const record = base.audit.items.get(sent.inspection?.inspectionId ?? "");
      expect(record, sent.text).toMatchObject({ decision: "sent", channel: sent.channel });
    }
    const authors = base.sent.map((m) => m.inspection?.author);
    expect(authors.filter((a) => a === "agent")).toHaveLength(1);
    expect(base.sent.some((m) => m.text.includes("禁词"))).toBe(false);
  });
});
