import {
  ANALYTICS_EVENT_VERSION,
  SESSION_IDLE_MS,
  type SessionRef,
  type UnsealedEvent,
} from "../analytics/events";
import { parseRating } from "../desk/csat";
import type { PipelineOutcome } from "./outcome";
import type { Run } from "./run";

/** The analytics conversation a customer message belongs to, and whether it opened it. */
export interface Session {
  /** The session, named in the events by the sink under its key (shared/core/analytics/events.ts, sealEvents). */
  session: SessionRef;
  opens: boolean;
}

/**
 * Places the customer's message in its conversation session (SESSION_IDLE_MS), on the conversation item
 * so that the steps' save keeps it. Platform events (subscribe, enter_session…) are not customer
 * messages and belong to no session. Whether the message opened a conversation is settled by its outcome
 * (outcomeEvents): a message to a person on an open ticket, a rating or a reopen continues the
 * conversation that was handed off, however long after.
 */
export function placeInSession(run: Run): Session | undefined {
  if (run.message.kind === "event") return undefined;
  const { conversation } = run;
  const previous = conversation.analytics;
  const at = run.message.receivedAt;
  const idle = !previous || Date.parse(at) - Date.parse(previous.lastMessageAt) >= SESSION_IDLE_MS;
  const opens = idle;
  // A conversation item written before the keyed ids kept the session's id, not its start: its session
  // goes on from its last message (its id changes once, its count does not).
  const startedAt = opens || !previous ? at : (previous.startedAt ?? previous.lastMessageAt);
  conversation.analytics = { startedAt, lastMessageAt: at };
  return { session: { conversationKey: conversation.conversationKey, startedAt }, opens };
}

/** What one handled customer message adds to the analytics: `received`, then what the bot did. */
export function outcomeEvents(
  run: Run,
  session: Session,
  outcome: PipelineOutcome,
  tokensBefore: { inputTokens: number; outputTokens: number },
): UnsealedEvent[] {
  const base = {
    v: ANALYTICS_EVENT_VERSION,
    at: run.message.receivedAt,
    channel: run.message.channel,
    session: session.session,
    language: run.language,
  } as const;
  const continues =
    outcome.action === "silent" || outcome.action === "rated" || outcome.action === "reopened";
  const events: UnsealedEvent[] = [{ ...base, type: "received", opens: session.opens && !continues }];
  switch (outcome.action) {
    case "answered":
      events.push({ ...base, type: "answered", faq_id: outcome.faqIds[0], score: outcome.confidence });
      break;
    case "clarified":
      events.push({ ...base, type: "clarified" });
      break;
    case "small_talk":
      events.push({ ...base, type: "small_talk" });
      break;
    case "handed_off":
      events.push({ ...base, type: "handed_off", reason: outcome.reason, ticket: outcome.ticketId });
      break;
    case "rated": {
      const rating = parseRating(run.customerText);
      if (rating) events.push({ ...base, type: "csat", csat: rating.score, ticket: outcome.ticketId });
      break;
    }
  }
  const usage = run.conversation.tokenUsage;
  const inputTokens = (usage?.inputTokens ?? 0) - tokensBefore.inputTokens;
  const outputTokens = (usage?.outputTokens ?? 0) - tokensBefore.outputTokens;
  if (inputTokens > 0 || outputTokens > 0) {
    events.push({ ...base, type: "model_tokens", input_tokens: inputTokens, output_tokens: outputTokens });
  }
  return events;
}
