import { describe, expect, it } from "vitest";
import type { DeskGroup } from "../../../functions/desk-api/route";
import { createRouter, mount } from "../../../functions/desk-api/router";
import { REPORT_MAX_DAYS, reportRoutes } from "../../../functions/desk-api/routes/reports";
import type { AnalyticsEvent } from "../../../shared/core/analytics/events";
import { counterUpdates, HANDOFF_REASON_PREFIX } from "../../../shared/core/analytics/report";
import type { Ticket } from "../../../shared/core/ticket";
import { createLexicalRetriever } from "../../../shared/kb/lexical";
import type { CounterItem } from "../../../shared/stores/analytics-counters";
import { memoryTickets } from "../../../shared/stores/memory";

/**
 * GET /reports: the report object `npm run report -- --json` prints, from the counters of the range's
 * days, for supervisors and admins only.
 */
const now = new Date("2026-12-01T10:00:00Z");

const event = (type: AnalyticsEvent["type"], at: string, channel: AnalyticsEvent["channel"], extra = {}) =>
  ({ v: 1, type, at, channel, conversation: `c-${at}-${channel}`, ...extra }) as AnalyticsEvent;

const EVENTS: AnalyticsEvent[] = [
  // 11-25: outside a 7-day range ending today.
  event("received", "2026-11-25T08:00:00Z", "wechat", { opens: true }),
  event("received", "2026-11-28T08:00:00Z", "wechat", { opens: true }),
  event("answered", "2026-11-28T08:00:01Z", "wechat", { faq_id: "FAQ-1", score: 0.9 }),
  event("received", "2026-11-30T09:00:00Z", "wechat", { opens: true }),
  event("handed_off", "2026-11-30T09:00:01Z", "wechat", { reason: "low_confidence" }),
  event("received", "2026-12-01T09:00:00Z", "sms", { opens: true }),
  event("received", "2026-12-01T09:01:00Z", "sms"),
  event("handed_off", "2026-12-01T09:01:01Z", "sms", { reason: "customer_request" }),
  event("agent_reply", "2026-12-01T09:05:00Z", "sms"),
  event("resolved", "2026-12-01T09:10:00Z", "sms"),
  event("csat", "2026-12-01T09:11:00Z", "sms", { csat: 4 }),
  event("model_tokens", "2026-12-01T09:00:01Z", "sms", { input_tokens: 900, output_tokens: 120 }),
  // What went out: the answer, two hand-off notices, the agent's reply and the CSAT question.
  event("sent", "2026-11-28T08:00:01Z", "wechat"),
  event("sent", "2026-11-30T09:00:01Z", "wechat"),
  event("sent", "2026-12-01T09:01:01Z", "sms"),
  event("sent", "2026-12-01T09:05:00Z", "sms"),
  event("sent", "2026-12-01T09:10:00Z", "sms"),
];

/** The counters as the DynamoDB store reads them back (one item per day × channel), and the days asked. */
function memoryCounters(events: readonly AnalyticsEvent[]) {
  const items: CounterItem[] = counterUpdates(events).map(({ day, channel, add }) => {
    const figures: Record<string, number> = {};
    const handoffsByReason: Record<string, number> = {};
    for (const [name, n] of Object.entries(add)) {
      if (name.startsWith(HANDOFF_REASON_PREFIX))
        handoffsByReason[name.slice(HANDOFF_REASON_PREFIX.length)] = n;
      else figures[name] = n;
    }
    return { day, channel, figures, handoffsByReason };
  });
  const reads: [string, string][] = [];
  return {
    reads,
    async read(since: string, until: string) {
      reads.push([since, until]);
      return items.filter((item) => item.day >= since && item.day <= until);
    },
  };
}

/** The knowledge base the topics' closest entries come from. */
const retriever = createLexicalRetriever([
  { id: "card_payment", question: "Can I pay bills with my card?", answer: "Yes.", similarQuestions: [] },
  {
    id: "close_account",
    question: "How do I delete my account?",
    answer: "Settings.",
    similarQuestions: [],
  },
]);

/** Hand-offs: [ticket, created, channel, reason, the customer's question]. */
const HANDOFFS: [string, string, Ticket["channel"], Ticket["reason"], string][] = [
  ["T1", "2026-11-30T09:00:00Z", "wechat", "low_confidence", "can I pay my rent with the card"],
  ["T2", "2026-11-30T10:00:00Z", "sms", "low_confidence", "pay rent with card, call me on 13812345678"],
  ["T3", "2026-12-01T08:00:00Z", "wechat", "repeated_failure", "is paying rent by card possible"],
  ["T4", "2026-12-01T09:00:00Z", "wechat", "low_confidence", "how do I close my account for good"],
  // Asked for a person: the bot was not wrong, it is no unanswered topic.
  ["T5", "2026-12-01T09:30:00Z", "wechat", "customer_request", "can I pay my rent with the card"],
  // Before a 7-day range ending today.
  ["T6", "2026-11-20T09:00:00Z", "wechat", "low_confidence", "how do I close my account for good"],
];

async function handoffTickets() {
  const tickets = memoryTickets();
  for (const [ticketId, at, channel, reason, text] of HANDOFFS) {
    await tickets.create({
      ticketId,
      conversationKey: `${channel}:${ticketId}`,
      channel,
      customerId: ticketId,
      reason,
      priority: "normal",
      status: ticketId === "T1" ? "resolved" : "open",
      transcript: [{ role: "customer", text, at }],
      candidates: [],
      createdAt: at,
      updatedAt: at,
    });
  }
  return tickets;
}

function setup(tickets = memoryTickets()) {
  const counters = memoryCounters(EVENTS);
  const router = createRouter(
    mount(reportRoutes, { counters, timeZone: "Asia/Shanghai", tickets, retriever }),
    {
      authenticate: async (token) => ({ id: "u", groups: (token ?? "").split(",") as DeskGroup[] }),
    },
  );
  const get = (groups: string, query: Record<string, string> = {}) =>
    router({ method: "GET", path: "/reports", query, body: undefined, authorization: groups, now });
  return { counters, get };
}

describe("GET /reports", () => {
  it("gives a supervisor the last seven days by default, every figure of the report", async () => {
    const { counters, get } = setup();
    const response = await get("supervisor");
    expect(response.status).toBe(200);
    expect(counters.reads).toEqual([["2026-11-25", "2026-12-01"]]);
    expect(response.body).toEqual({
      since: "2026-11-25",
      until: "2026-12-01",
      timeZone: "Asia/Shanghai",
      conversations: 4,
      messages: 5,
      handoffs: 2,
      containment: 0.5,
      byChannel: { sms: 1, wechat: 3 },
      handoffsByReason: { customer_request: 1, low_confidence: 1 },
      answered: 1,
      clarified: 0,
      smallTalk: 0,
      agentReplies: 1,
      resolved: 1,
      slaBreaches: 0,
      sent: 5,
      csat: { count: 1, average: 4 },
      tokens: { input: 900, output: 120 },
      topUnanswered: [],
    });
  });

  it("lists the range's top unanswered topics: masked question, count, closest entry", async () => {
    const { get } = setup(await handoffTickets());
    const body = (await get("supervisor")).body as { topUnanswered: unknown[] };
    expect(body.topUnanswered).toEqual([
      { question: expect.any(String), count: 3, closestFaqId: "card_payment" },
      { question: "how do I close my account for good", count: 1, closestFaqId: "close_account" },
    ]);
    // No personal data: whichever wording represents the topic, a phone number in it is masked.
    expect(JSON.stringify(body)).not.toContain("13812345678");
    expect(JSON.stringify(body)).not.toContain("T1");
    // One channel: the SMS hand-off only.
    const sms = (await get("supervisor", { channel: "sms" })).body as { topUnanswered: unknown[] };
    expect(sms.topUnanswered).toEqual([
      {
        question: expect.not.stringContaining("13812345678"),
        count: 1,
        closestFaqId: "card_payment",
      },
    ]);
  });

  it("narrows to the days and the channel asked; an empty channel is no filter", async () => {
    const { get } = setup();
    const sms = await get("admin", { since: "2026-11-30", until: "2026-12-01", channel: "sms" });
    expect(sms.body).toMatchObject({
      channel: "sms",
      conversations: 1,
      byChannel: { sms: 1 },
      handoffsByReason: { customer_request: 1 },
      containment: 0,
    });
    const all = await get("admin", { since: "2026-11-30", until: "2026-11-30", channel: "" });
    expect(all.body).toMatchObject({ conversations: 1, byChannel: { wechat: 1 } });
    expect(all.body).not.toHaveProperty("channel");
  });

  it("is refused to an agent (403)", async () => {
    const { counters, get } = setup();
    expect((await get("agent")).status).toBe(403);
    expect(counters.reads).toEqual([]);
  });

  it("refuses a range it cannot read cheaply or that is not days, naming the field (422)", async () => {
    const { counters, get } = setup();
    const tooLong = await get("supervisor", { since: "2026-08-01", until: "2026-12-01" });
    expect(tooLong).toMatchObject({ status: 422, body: { error: "validation_failed" } });
    expect((tooLong.body as { fields: Record<string, string> }).fields.since).toContain(
      String(REPORT_MAX_DAYS),
    );
    // Exactly the longest range is served.
    expect((await get("supervisor", { since: "2026-09-01", until: "2026-12-01" })).status).toBe(200);
    for (const query of <Record<string, string>[]>[
      { since: "2026-12-02", until: "2026-12-01" },
      { since: "7d" },
      { until: "2026-02-30" },
      { channel: "fax" },
    ]) {
      const response = await get("supervisor", query);
      expect(response.status, JSON.stringify(query)).toBe(422);
      expect(Object.keys((response.body as { fields: object }).fields)).toEqual([Object.keys(query)[0]]);
    }
    expect(counters.reads).toEqual([["2026-09-01", "2026-12-01"]]);
  });
});
