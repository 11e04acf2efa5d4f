import { createHash } from "node:crypto";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it, vi } from "vitest";
import { AnalyticsKeyError, analyticsKey, analyticsSink } from "../../../shared/aws/analytics";
import {
  type AnalyticsEvent,
  conversationId,
  SESSION_IDLE_MS,
  sealEvents,
  type UnsealedEvent,
} from "../../../shared/core/analytics/events";
import { channelFiguresSql, InvalidReportRangeError } from "../../../shared/core/analytics/queries";
import { counterUpdates, reportFromCounters } from "../../../shared/core/analytics/report";
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

const SESSION = { conversationKey: "wechat:gh:o-1", startedAt: "2026-12-01T10:00:00.000Z" };
const unsealed = (over: Partial<UnsealedEvent>): UnsealedEvent => ({
  v: 1,
  type: "received",
  at: "2026-12-01T10:00:00.000Z",
  channel: "wechat",
  session: SESSION,
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
    expect(second).toEqual({ session: first?.session, opens: false });
    expect(later?.opens).toBe(true);
    expect(later?.session).not.toEqual(first?.session);
    expect(placeInSession(runAt(conversation, "2026-12-01T12:00:00.000Z", "event"))).toBeUndefined();
  });

  it("opens after a resolved ticket, but not for a message to a person, a rating or a reopen", () => {
    const conversation = {
      ...newConversation({ conversationKey: "k", channel: "sms", customerId: "c", now: new Date() }),
      openTicketId: "T-1",
      analytics: { startedAt: "2026-12-01T09:00:00.000Z", lastMessageAt: "2026-12-01T10:00:00.000Z" },
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

  it("goes on from a conversation item written before the keyed ids (its id changes once, not its count)", () => {
    const conversation = {
      ...newConversation({ conversationKey: "k", channel: "sms", customerId: "c", now: new Date() }),
      analytics: { conversation: "old-sha256-id", lastMessageAt: "2026-12-01T10:00:00.000Z" },
    };
    const session = placeInSession(runAt(conversation, "2026-12-01T10:05:00.000Z"));
    expect(session).toEqual({
      session: { conversationKey: "k", startedAt: "2026-12-01T10:00:00.000Z" },
      opens: false,
    });
    expect(conversation.analytics).toEqual({
      startedAt: "2026-12-01T10:00:00.000Z",
      lastMessageAt: "2026-12-01T10:05:00.000Z",
    });
  });
});

describe("an analytics conversation id", () => {
  const session = {
    conversationKey: "sms:+15550000000:+8613812345678",
    startedAt: "2026-12-01T10:00:00.000Z",
  };
  const key = "a-deployment-key-of-at-least-32-chars";

  it("is keyed: trying phone numbers with the start time in the event does not find it without the key", () => {
    const id = conversationId(key, session);
    // What anyone reading the events could compute before: the plain hash of the key and the start.
    const unkeyed = createHash("sha256")
      .update(`${session.conversationKey}|${session.startedAt}`)
      .digest("hex");
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(unkeyed.startsWith(id)).toBe(false);
    expect(conversationId("another-deployment-key-of-32-chars!", session)).not.toBe(id);
    expect(conversationId(key, { ...session })).toBe(id);
  });

  it("is what the sink writes in place of the session, which never leaves the process", () => {
    const unsealed: UnsealedEvent = {
      v: 1,
      type: "received",
      at: session.startedAt,
      channel: "sms",
      session,
      opens: true,
    };
    const [sealed] = sealEvents(key, [unsealed]);
    expect(sealed).toEqual({
      v: 1,
      type: "received",
      at: session.startedAt,
      channel: "sms",
      opens: true,
      conversation: conversationId(key, session),
    });
    expect(JSON.stringify(sealed)).not.toContain("13812345678");
  });
});

describe("the analytics key", () => {
  const secrets = mockClient(SecretsManagerClient);

  it("is read from the stack's secret once, on first use, and read again after a failure", async () => {
    secrets.reset();
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error("throttled"), { name: "ThrottlingException" }))
      .resolves({ SecretString: "s".repeat(64) });
    const key = analyticsKey(
      { secretArn: "arn:aws:secretsmanager:us-east-1:1:secret:k" },
      () => new SecretsManagerClient({}),
    );
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    await expect(key()).rejects.toThrow("throttled");
    await expect(Promise.all([key(), key()])).resolves.toEqual(["s".repeat(64), "s".repeat(64)]);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it("refuses an empty secret", async () => {
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: "" });
    const key = analyticsKey({ secretArn: "arn" }, () => new SecretsManagerClient({}));
    await expect(key()).rejects.toBeInstanceOf(AnalyticsKeyError);
  });
});

describe("the functions' event sink", () => {
  it("never throws, counts what it drops and does not retry it", async () => {
    const metrics = { addMetric: vi.fn() };
    const logger = { warn: vi.fn() };
    const added: AnalyticsEvent[][] = [];
    const sink = analyticsSink({
      key: async () => "k".repeat(32),
      history: { write: () => Promise.reject(Object.assign(new Error("denied"), { name: "AccessDenied" })) },
      counters: { add: async (events) => void added.push([...events]) },
      metrics,
      logger,
    });
    sink.record([unsealed({ opens: true })]);
    await expect(sink.flush()).resolves.toBeUndefined();
    expect(metrics.addMetric).toHaveBeenCalledWith("AnalyticsEventsDropped_history", "Count", 1);
    expect(added).toHaveLength(1);
    expect(added[0]?.[0]?.conversation).toBe(conversationId("k".repeat(32), SESSION));
    await sink.flush();
    expect(added).toHaveLength(1);
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain("o-1");
  });

  it("drops and counts the events it cannot name without its key, and never writes the session", async () => {
    const metrics = { addMetric: vi.fn() };
    const written: AnalyticsEvent[][] = [];
    const sink = analyticsSink({
      key: () => Promise.reject(Object.assign(new Error("denied"), { name: "AccessDeniedException" })),
      history: { write: async (events) => void written.push([...events]) },
      counters: { add: async (events) => void written.push([...events]) },
      metrics,
      logger: { warn: vi.fn() },
    });
    sink.record([unsealed({ opens: true }), unsealed({ type: "answered" })]);
    await expect(sink.flush()).resolves.toBeUndefined();
    expect(metrics.addMetric).toHaveBeenCalledWith("AnalyticsEventsDropped_key", "Count", 2);
    expect(written).toEqual([]);
  });
});
