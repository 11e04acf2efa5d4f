import { createHmac } from "node:crypto";
import { z } from "zod";
import { ChannelSchema } from "../message";

/**
 * Analytics events: one flat, versioned record per thing that happened in a conversation, written as JSON
 * Lines to S3 (`events/dt=YYYY-MM-DD/…`) and counted in DynamoDB as it happens. Flat with snake_case
 * columns so that the same SQL runs on Athena (Glue table) and on DuckDB (local files).
 *
 * No personal data: no message text, no customer id. A conversation is named by a keyed hash (HMAC) of
 * its key and the time it started, under a per-deployment secret (conversationId); tickets and agents are
 * named by their ids (staff, not customers).
 */
export const ANALYTICS_EVENT_VERSION = 1;

export const ANALYTICS_EVENT_TYPES = [
  "received",
  "answered",
  "clarified",
  "small_talk",
  "handed_off",
  "agent_reply",
  "resolved",
  "csat",
  "model_tokens",
  "sla_breach",
  /** A message delivered to a customer, whoever wrote it (shared/core/outgoing.ts). */
  "sent",
] as const;
export type AnalyticsEventType = (typeof ANALYTICS_EVENT_TYPES)[number];

export const AnalyticsEventSchema = z.object({
  v: z.literal(ANALYTICS_EVENT_VERSION),
  type: z.enum(ANALYTICS_EVENT_TYPES),
  /** ISO 8601 UTC; its first ten characters are the `dt` partition. */
  at: z.iso.datetime(),
  channel: ChannelSchema,
  /** conversationId(): the analytics conversation (a session), keyed-hashed. */
  conversation: z.string().check(z.minLength(1)),
  language: z.string().optional(),
  /** `received` only: the message opened a conversation (see SESSION_IDLE_MS). */
  opens: z.boolean().optional(),
  /** `answered`: the entry answered with and the engine's score for it. */
  faq_id: z.string().optional(),
  score: z.number().optional(),
  /** `handed_off`: why, and how urgent. */
  reason: z.string().optional(),
  priority: z.string().optional(),
  ticket: z.string().optional(),
  agent: z.string().optional(),
  /** `csat`: the customer's rating, 1–5. */
  csat: z.number().int().min(1).max(5).optional(),
  /** `model_tokens`: what the message cost in Bedrock tokens. */
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
  /** `sla_breach`: which clock (first response, resolution). */
  metric: z.string().optional(),
  /** `agent_reply`/`resolved`: seconds since the ticket opened (first response and resolution times). */
  seconds: z.number().nonnegative().optional(),
});
export type AnalyticsEvent = z.infer<typeof AnalyticsEventSchema>;

/**
 * The session an event belongs to, as the functions know it: the conversation key (a phone number on SMS)
 * and when the session started. Never written: the sink turns it into `conversation` under its key.
 */
export interface SessionRef {
  conversationKey: string;
  startedAt: string;
}

/** An event as the functions record it: its session still in the clear, sealed by the sink (sealEvents). */
export type UnsealedEvent = Omit<AnalyticsEvent, "conversation"> & { session: SessionRef };

/**
 * Where events go (an S3 object per batch and the DynamoDB counters in AWS and locally; memory in
 * tests). `record` only buffers and never throws; `flush` names each event's session under the
 * deployment's key (sealEvents), writes what was buffered and never throws either: analytics is best
 * effort, counted in metrics when it fails, and never fails nor delays a customer's answer (the worker
 * flushes after the batch's replies are sent).
 */
export interface EventSink {
  record(events: readonly UnsealedEvent[]): void;
  flush(): Promise<void>;
}

/**
 * A conversation, for analytics, is a session: it opens with a customer message after this long without
 * one on the same conversation key (or with the first message ever), and lasts while messages keep coming.
 */
export const SESSION_IDLE_MS = 30 * 60 * 1000;

/**
 * A conversation session's id: HMAC-SHA256 of the conversation key and its start under the deployment's
 * analytics key. A plain hash would not do: on SMS the key is a phone number and the start time is in
 * the event, so trying every number would find the customer; without the key nobody can try.
 */
export function conversationId(key: string, session: SessionRef): string {
  return createHmac("sha256", key)
    .update(`${session.conversationKey}|${session.startedAt}`)
    .digest("hex")
    .slice(0, 32);
}

/** The events as they are written: each session replaced by its keyed id. */
export function sealEvents(key: string, events: readonly UnsealedEvent[]): AnalyticsEvent[] {
  return events.map(({ session, ...event }) => ({ ...event, conversation: conversationId(key, session) }));
}

/** The UTC day (`dt` partition) of an ISO time. */
export function eventDay(at: string): string {
  return at.slice(0, 10);
}

/** What a desk or SLA event needs of its ticket. */
export interface TicketRef {
  ticketId: string;
  channel: AnalyticsEvent["channel"];
  conversationKey: string;
  createdAt: string;
}

/**
 * An event of a ticket (agent reply, resolve, SLA breach), with the seconds since the ticket opened (first
 * response and resolution times). Its session is the ticket's conversation key and opening time; the
 * bot's events of the same conversation share the `ticket` id with it.
 */
export function ticketEvent(
  type: "agent_reply" | "resolved" | "sla_breach",
  ticket: TicketRef,
  at: Date,
  extra: { agent?: string; metric?: string } = {},
): UnsealedEvent {
  return {
    v: ANALYTICS_EVENT_VERSION,
    type,
    at: at.toISOString(),
    channel: ticket.channel,
    session: { conversationKey: ticket.conversationKey, startedAt: ticket.createdAt },
    ticket: ticket.ticketId,
    seconds: Math.max(0, (at.getTime() - Date.parse(ticket.createdAt)) / 1000),
    ...extra,
  };
}
