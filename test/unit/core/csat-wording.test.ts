import { describe, expect, it } from "vitest";
import { csatTextFor } from "../../../shared/aws/desk-rules";
import { channelTexts } from "../../../shared/channels/registry";
import { SMS_CHANNEL_TEXTS } from "../../../shared/channels/sms-common/texts";
import type { CsatTexts } from "../../../shared/config/desk";
import { afterResolve } from "../../../shared/core/desk/ticket-care";
import type { Channel, OutboundMessage } from "../../../shared/core/message";
import { compileRuleSet } from "../../../shared/core/quality/inspection";
import type { Language } from "../../../shared/core/text";
import { DEFAULT_TEXTS } from "../../../shared/core/texts";
import { memoryInspectionAudit } from "../../../shared/stores/inspection-audit";
import { memoryAgents, memoryTicketDesk, memoryTickets } from "../../../shared/stores/memory";

const TICKET = "KF-ABC12345";
const AT = "2026-12-01T10:00:00.000Z";

/** The wording with the ticket number in, as the customer reads it. */
const filled = (template: string | undefined) => template?.replaceAll("{ticket}", TICKET);
const core = (language: Language) => filled(DEFAULT_TEXTS[language].csatQuestion);
const sms = (language: Language) => filled(SMS_CHANNEL_TEXTS[language]?.csatQuestion);

/**
 * Resolves a ticket on `channel` in `language` with the wiring's CSAT settings (the operators'
 * KEFU_CSAT_TEXTS, the channel modules' texts) under a rule set blocking `blocked`: what the customer was
 * asked, if anything, and the message ids inspected, in order.
 */
async function ask(
  channel: Channel,
  language: Language,
  operators: CsatTexts,
  blocked: string[] = [],
): Promise<{ asked: string | undefined; inspected: string[] }> {
  const tickets = memoryTickets();
  await tickets.create({
    ticketId: TICKET,
    conversationKey: `${channel}:acct:customer-1`,
    channel,
    customerId: "customer-1",
    reason: "customer_request",
    priority: "normal",
    status: "resolved",
    language,
    transcript: [],
    candidates: [],
    createdAt: AT,
    updatedAt: AT,
  });
  const ticket = tickets.items.get(TICKET);
  if (!ticket) throw new Error("no ticket");
  const rules = compileRuleSet("v-test", [
    {
      id: "test.block",
      category: "banned",
      severity: "block",
      terms: blocked,
      detect: [],
      allow: [],
      appliesTo: ["bot", "agent"],
    },
  ]);
  const audit = memoryInspectionAudit();
  const sent: OutboundMessage[] = [];
  await afterResolve(ticket, {
    agents: memoryAgents([]),
    desk: memoryTicketDesk(tickets),
    tickets,
    send: async (message) => void sent.push(message),
    inspection: { rules: async () => rules, audit },
    csat: { windowMs: 3_600_000, text: csatTextFor(operators), channelTexts: channelTexts() },
    now: () => new Date(AT),
  });
  // The audit keeps its records in the order they were written: the order of the inspections.
  const inspected = [...audit.items.values()].map((r) => `${r.messageId} ${r.decision}`);
  return { asked: sent[0]?.text, inspected };
}

describe("the CSAT question's wording", () => {
  const operators: CsatTexts = {
    sms: { zh: "短信专用：工单{ticket}请打分1-5。" },
    default: { zh: "默认：工单{ticket}请打分1-5。", en: "Default: rate ticket {ticket} 1-5." },
  };

  it("is the operators' wording for the channel first, then their default", async () => {
    expect((await ask("sms", "zh", operators)).asked).toBe(`短信专用：工单${TICKET}请打分1-5。`);
    expect((await ask("twilio", "en", operators)).asked).toBe(`Default: rate ticket ${TICKET} 1-5.`);
    expect((await ask("wechat", "zh", operators)).asked).toBe(`默认：工单${TICKET}请打分1-5。`);
  });

  it("without the operators' wording, is the channel module's (SMS's short one), else the core's", async () => {
    const emailOnly: CsatTexts = { email: { zh: "邮件：工单{ticket}请打分。" } };
    for (const language of ["zh", "en"] as const) {
      expect((await ask("sms", language, emailOnly)).asked).toBe(sms(language));
      expect((await ask("twilio", language, {})).asked).toBe(sms(language));
      expect((await ask("wechat", language, emailOnly)).asked).toBe(core(language));
      expect((await ask("dingtalk", language, {})).asked).toBe(core(language));
    }
    expect(sms("zh")).not.toBe(core("zh"));
    expect(sms("en")).not.toBe(core("en"));
  });

  it("falls back to the channel's built-in question when inspection blocks the operators' (SMS: the short one)", async () => {
    const blocked = await ask("sms", "zh", operators, ["短信专用"]);
    expect(blocked.asked).toBe(sms("zh"));
    expect(blocked.inspected).toEqual([`csat#${TICKET} blocked`, `csat#${TICKET}#default sent`]);

    const onWechat = await ask("wechat", "zh", operators, ["默认"]);
    expect(onWechat.asked).toBe(core("zh"));
  });

  it("asks nothing when the channel's built-in question is blocked too, not the core's in its place", async () => {
    // "评分" is in SMS's short question, not in the core's (which says "打分").
    expect(core("zh")).not.toContain("评分");
    const result = await ask("sms", "zh", operators, ["短信专用", "评分"]);
    expect(result.asked).toBeUndefined();
    expect(result.inspected).toEqual([`csat#${TICKET} blocked`, `csat#${TICKET}#default blocked`]);
  });
});
