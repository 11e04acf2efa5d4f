import { describe, expect, it, vi } from "vitest";
import { analyticsSink } from "../../../shared/aws/analytics";
import { type AnalyticsEvent, SESSION_IDLE_MS } from "../../../shared/core/analytics";
import { channelFiguresSql, InvalidReportRangeError } from "../../../shared/core/analytics-queries";
import { counterUpdates, reportFromCounters } from "../../../shared/core/analytics-report";
import { newConversation } from "../../../shared/core/conversation";
import { outcomeEvents, placeInSession, type Session } from "../../../shared/core/pipeline/analytics";
import type { PipelineOutcome } from "../../../shared/core/pipeline/outcome";
import type { Run } from "../../../shared/core/pipeline/run";

const event = (over: Partial<AnalyticsEvent>): AnalyticsEvent => ({
  v: 1,
  type: "received",
  at: "2026-12-01T10:00:00.000Z",
  channel: "wechat",
  conversation: "c1",
  ...over,
});

describe("analytics counters", () => {
  it("sum a batch per day × channel, hand-offs per reason, conversations only where they open", () => {
    const updates = counterUpdates([
      event({ opens: true }),
      event({ opens: false }),
      event({ type: "handed_off", reason: "customer_request" }),
      event({ type: "handed_off", reason: "customer_request", channel: "sms" }),
      event({ type: "received", opens: true, at: "2026-12-02T00:00:00.000Z" }),
      event({ type: "model_tokens", input_tokens: 12, output_tokens: 5 }),
    ]);
    expect(updates).toEqual([
      {
        day: "2026-12-01",
        channel: "wechat",
        add: {
          received: 2,
          conversations: 1,
          handed_off: 1,
          handoff_customer_request: 1,
          input_tokens: 12,
          output_tokens: 5,
        },
      },
      { day: "2026-12-01", channel: "sms", add: { handed_off: 1, handoff_customer_request: 1 } },
      { day: "2026-12-02", channel: "wechat", add: { received: 1, conversations: 1 } },
    ]);
  });

  it("give a containment of conversations without a hand-off, and none for no conversations", () => {
    const range = { since: "2026-12-01", until: "2026-12-01" };
    const report = reportFromCounters(
      [
        {
          channel: "wechat",
          figures: { conversations: 4, handed_off: 1 },
          handoffsByReason: { low_confidence: 1 },
        },
        { channel: "sms", figures: { conversations: 0, received: 1 }, handoffsByReason: {} },
      ],
      range,
    );
    expect(report).toMatchObject({
      conversations: 4,
      containment: 0.75,
      byChannel: { wechat: 4 },
      messages: 1,
    });
    expect(reportFromCounters([], range).containment).toBeNull();
  });
});

describe("the report's SQL", () => {
  it("refuses a range it would have to quote", () => {
    const bad = [
      { since: "2026-12-01' OR '1'='1", until: "2026-12-01" },
      { since: "2026-12-02", until: "2026-12-01" },
      { since: "2026-13-45", until: "2026-13-45" },
      { since: "2026-12-01", until: "2026-12-01", channel: "x' --" },
    ];
    for (const range of bad) {
      expect(() => channelFiguresSql(range as never)).toThrow(InvalidReportRangeError);
    }
  });
});

describe("a conversation session", () => {
  const runAt = (conversation: Run["conversation"], receivedAt: string, kind = "text") =>
    ({ conversation, message: { kind, receivedAt } }) as unknown as Run;

  it("opens with the first message and after SESSION_IDLE_MS of silence, and keeps its id between", () => {
    const conversation = newConversation({
      conversationKey: "wechat:gh:o-1",
      channel: "wechat",
      customerId: "o-1",
      now: new Date("2026-12-01T10:00:00Z"),
    });
    const first = placeInSession(runAt(conversation, "2026-12-01T10:00:00.000Z"));
    const second = placeInSession(runAt(conversation, "2026-12-01T10:29:00.000Z"));
    const later = placeInSession(
      runAt(conversation, new Date(Date.parse("2026-12-01T10:29:00.000Z") + SESSION_IDLE_MS).toISOString()),
    );
    expect(first?.opens).toBe(true);
    expect(second).toEqual({ conversation: first?.conversation, opens: false });
    expect(later?.opens).toBe(true);
    expect(later?.conversation).not.toBe(first?.conversation);
    expect(first?.conversation).not.toContain("o-1");
    expect(placeInSession(runAt(conversation, "2026-12-01T12:00:00.000Z", "event"))).toBeUndefined();
  });

  it("opens after a resolved ticket, but not for a message to a person, a rating or a reopen", () => {
    const conversation = {
      ...newConversation({ conversationKey: "k", channel: "sms", customerId: "c", now: new Date() }),
      openTicketId: "T-1",
      analytics: { conversation: "s-1", lastMessageAt: "2026-12-01T10:00:00.000Z" },
    };
    const run = runAt(conversation, "2026-12-02T10:00:00.000Z");
    const session = placeInSession(run);
    expect(session?.opens).toBe(true);
    const opens = (outcome: PipelineOutcome) =>
      outcomeEvents({ ...run, language: "zh", customerText: "" } as Run, session as Session, outcome, {
        inputTokens: 0,
        outputTokens: 0,
      })[0]?.opens;
    expect(opens({ action: "silent", ticketId: "T-1" })).toBe(false);
    expect(opens({ action: "rated", ticketId: "T-1" })).toBe(false);
    expect(opens({ action: "reopened", ticketId: "T-1" })).toBe(false);
    expect(opens({ action: "answered", faqIds: ["f"], confidence: 0.9 })).toBe(true);
  });
});

describe("the functions' event sink", () => {
  it("never throws, counts what it drops and does not retry it", async () => {
    const metrics = { addMetric: vi.fn() };
    const logger = { warn: vi.fn() };
    const added: AnalyticsEvent[][] = [];
    const sink = analyticsSink({
      history: { write: () => Promise.reject(Object.assign(new Error("denied"), { name: "AccessDenied" })) },
      counters: { add: async (events) => void added.push([...events]) },
      metrics,
      logger,
    });
    sink.record([event({ opens: true })]);
    await expect(sink.flush()).resolves.toBeUndefined();
    expect(metrics.addMetric).toHaveBeenCalledWith("AnalyticsEventsDropped_history", "Count", 1);
    expect(added).toHaveLength(1);
    await sink.flush();
    expect(added).toHaveLength(1);
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain("c1");
  });
});
