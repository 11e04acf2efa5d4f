import { describe, expect, it } from "vitest";
import { channelTexts } from "../../../shared/channels/registry";
import { DEFAULT_ROUTING_RULES } from "../../../shared/core/desk/routing";
import { DEFAULT_SLA_POLICIES } from "../../../shared/core/desk/sla";
import {
  afterResolve,
  classifyTicket,
  customerAfterResolve,
  type DeskAlert,
} from "../../../shared/core/desk/ticket-care";
import type { EngineResult } from "../../../shared/core/engine";
import { processMessage } from "../../../shared/core/pipeline/index";
import type { DeskHooks } from "../../../shared/core/pipeline/ports";
import { memoryAgents, memoryTicketDesk } from "../../../shared/stores/memory";
import { inbound, pipelineDeps, scriptedEngine } from "../../support/fakes";

const handoff: EngineResult = {
  decision: { kind: "handoff", reason: "customer_request", priority: "normal" },
  candidates: [],
};
const answer: EngineResult = {
  decision: { kind: "answer", text: "退货请在订单页申请", faqIds: ["returns"], confidence: 0.9 },
  candidates: [{ faqId: "returns", score: 0.9, matchedQuestion: "怎么退货" }],
};
const HOUR = 3_600_000;

function setup() {
  let clock = new Date("2026-12-01T10:00:00Z");
  const engine = scriptedEngine((input) => (input.text.includes("人工") ? handoff : answer));
  const agents = memoryAgents([
    {
      id: "li",
      displayName: "li",
      groups: ["agent"],
      skills: ["lang:zh"],
      status: "online",
      maxConcurrent: 3,
      openTickets: 1,
    },
  ]);
  const alerts: DeskAlert[] = [];
  const base = pipelineDeps(engine, { now: () => clock });
  const desk = memoryTicketDesk(base.tickets);
  const hooks: DeskHooks = {
    classify: ({ message, language, reason, priority, openedAt }) =>
      classifyTicket(
        { channel: message.channel, customerId: message.sender.id, language, reason, priority, openedAt },
        { routing: DEFAULT_ROUTING_RULES, sla: DEFAULT_SLA_POLICIES },
      ),
    afterResolve: (ticketId, text, now) =>
      customerAfterResolve(
        ticketId,
        text,
        {
          tickets: base.tickets,
          desk,
          agents,
          alert: async (a) => void alerts.push(a),
          reopenWindowMs: 24 * HOUR,
          csatWindowMs: 24 * HOUR,
          sla: DEFAULT_SLA_POLICIES,
        },
        now,
      ),
  };
  base.deps.desk = hooks;
  let n = 0;
  const say = (text: string) => processMessage(inbound({ id: `m${++n}`, text }), base.deps);
  /** An agent takes the ticket and resolves it; the customer is asked for a rating. */
  const resolve = async (ticketId: string) => {
    await agents.reserve("li", clock);
    await desk.assign(ticketId, "li", clock);
    await base.tickets.resolve(ticketId, clock);
    const ticket = await base.tickets.get(ticketId);
    if (!ticket) throw new Error("no ticket");
    return afterResolve(ticket, {
      agents,
      desk,
      tickets: base.tickets,
      send: base.deps.send,
      inspection: base.deps.inspection,
      csat: { windowMs: 24 * HOUR, channelTexts: channelTexts() },
      now: () => clock,
    });
  };
  return {
    ...base,
    engine,
    agents,
    alerts,
    say,
    resolve,
    later: (ms: number) => (clock = new Date(clock.getTime() + ms)),
  };
}

describe("after a ticket is resolved", () => {
  it("the hand-off carries skills and SLA due times", async () => {
    const { say, tickets } = setup();
    const outcome = await say("转人工");
    expect(outcome).toMatchObject({ action: "handed_off" });
    const ticket = [...tickets.items.values()][0];
    expect(ticket).toMatchObject({
      language: "zh",
      skills: ["lang:zh"],
      sla: { firstResponseDueAt: "2026-12-01T11:00:00.000Z", breached: [] },
      slaClock: "running",
    });
  });

  it("asks for a rating; the rating is recorded and not taken as a question; then the bot answers again", async () => {
    const { say, resolve, tickets, sent, engine, agents, later } = setup();
    const { ticketId } = (await say("转人工")) as { ticketId: string };
    expect(await resolve(ticketId)).toEqual({ asked: true });
    expect(sent.at(-1)?.text).toContain("1–5");
    expect(agents.items.get("li")?.openTickets).toBe(1);
    later(HOUR);
    const calls = engine.calls.length;
    const sentBefore = sent.length;
    expect(await say("5 很满意，谢谢")).toEqual({ action: "rated", ticketId });
    expect(engine.calls).toHaveLength(calls);
    // Thanked once, for the rating recorded.
    expect(sent.slice(sentBefore).map((m) => m.text)).toEqual(["[csatThanks zh]"]);
    expect(tickets.items.get(ticketId)?.csat).toMatchObject({ score: 5, comment: "很满意,谢谢" });
    expect(await say("怎么退货")).toMatchObject({ action: "answered" });
  });

  it("thanks a rating once: its redelivery sends nothing more", async () => {
    const { say, resolve, sent, deps, later } = setup();
    const { ticketId } = (await say("转人工")) as { ticketId: string };
    await resolve(ticketId);
    later(HOUR);
    const sentBefore = sent.length;
    const rating = inbound({ id: "rating-1", text: "5 非常满意" });
    expect(await processMessage(rating, deps)).toEqual({ action: "rated", ticketId });
    await processMessage(rating, deps);
    expect(sent.slice(sentBefore).map((m) => m.text)).toEqual(["[csatThanks zh]"]);
  });

  it("a message within the reopen window reopens the ticket to its agent instead of the bot answering", async () => {
    const { say, resolve, tickets, engine, agents, alerts, later } = setup();
    const { ticketId } = (await say("转人工")) as { ticketId: string };
    await resolve(ticketId);
    later(2 * HOUR);
    const calls = engine.calls.length;
    expect(await say("退款还是没到账")).toEqual({ action: "reopened", ticketId });
    expect(engine.calls).toHaveLength(calls);
    expect(tickets.items.get(ticketId)).toMatchObject({
      status: "assigned",
      assignee: "li",
      reopenedAt: expect.any(String),
    });
    expect(tickets.items.get(ticketId)?.transcript.at(-1)).toMatchObject({
      role: "customer",
      text: "退款还是没到账",
    });
    expect(agents.items.get("li")?.openTickets).toBe(2);
    expect(alerts).toEqual([expect.objectContaining({ kind: "ticket_reopened", ticketId, assignee: "li" })]);
    // The reopened ticket has the conversation again: the bot stays silent.
    expect(await say("在吗")).toEqual({ action: "silent", ticketId });
  });

  it("after the windows the bot answers as usual", async () => {
    const { say, resolve, later } = setup();
    const { ticketId } = (await say("转人工")) as { ticketId: string };
    await resolve(ticketId);
    later(25 * HOUR);
    // Past the CSAT window a "5" is no rating: the bot asks what it is about, as it would anyone.
    expect(await say("5")).toMatchObject({ action: "small_talk", intent: "unclear" });
    expect(await say("运费怎么算")).toMatchObject({ action: "answered" });
  });
});
