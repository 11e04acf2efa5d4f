import { createHash } from "node:crypto";
import { ANALYTICS_EVENT_VERSION, type UnsealedEvent } from "./analytics/events";
import type { SendOptions } from "./delivery";
import type { InspectionReceipt, OutboundMessage } from "./message";
import { auditRecord, type InspectionAuditStore, type InspectionRecord, inspectWith } from "./quality/audit";
import type { Author, Inspection, RuleSet } from "./quality/inspection";

/**
 * The one door to a customer. Whoever writes to a customer — the bot's replies, notices and welcomes,
 * the SMS keyword answers, the CSAT question, agents' replies from the desk, `npm run desk`, the local
 * /dev routes — inspects the text first (which writes its audit record) and gets a receipt for exactly
 * that text; the channels' sender (`inspectedOnly`, wired in shared/aws/senders.ts) refuses a message
 * without one. A new path that forgets the inspection fails on its first message instead of sending it.
 * The sender also counts what it delivered (`sent` analytics events), so the report's share inspected
 * compares the audit trail with what actually went out.
 */

export type Send = (message: OutboundMessage, options?: SendOptions) => Promise<void>;

/** A message that went out: its receipt says who wrote it. */
export type SentMessage = OutboundMessage & { inspection: InspectionReceipt };

/** What the text's receipt is bound to: any change after the inspection makes the receipt invalid. */
export function textDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** The receipt of an inspection whose audit record is written (or, for a reply already started, was). */
export function receiptFor(
  record: Pick<InspectionRecord, "messageId" | "author">,
  text: string,
): InspectionReceipt {
  return { inspectionId: record.messageId, author: record.author, digest: textDigest(text) };
}

/** A message reached the channels' sender without an inspection of its text: a send path skipped it. */
export class UninspectedMessageError extends Error {
  readonly code = "uninspected_message";
  constructor(channel: string) {
    super(`a message to a ${channel} customer was not inspected; it is not sent`);
    this.name = "UninspectedMessageError";
  }
}

/**
 * The channels' sender behind the door: a message goes out only with a receipt for its very text, and
 * each one delivered is reported to `onSent` (the analytics `sent` event).
 */
export function inspectedOnly(send: Send, options: { onSent?(message: SentMessage): void } = {}): Send {
  return async (message, sendOptions) => {
    const receipt = message.inspection;
    if (!receipt || receipt.digest !== textDigest(message.text)) {
      throw new UninspectedMessageError(message.channel);
    }
    await send(message, sendOptions);
    options.onSent?.({ ...message, inspection: receipt });
  };
}

/** The rule set in force and the audit trail: what an inspection needs. */
export interface OutgoingInspection {
  /** The rule set in force (the source caches it); undefined when none is loaded. */
  rules(): Promise<RuleSet | undefined>;
  audit: InspectionAuditStore;
}

/**
 * Inspects a message before it is sent and records the inspection: `sent` with its receipt when it may
 * go out (warnings included), `blocked` otherwise — the caller then says something else or nothing.
 * For the texts nobody reviews case by case (the CSAT question, SMS keyword answers); the bot's replies
 * and agents' replies have their own fallbacks (pipeline/inspect.ts, desk-api routes/quality.ts).
 */
export async function inspectOutgoing(
  inspection: OutgoingInspection,
  message: OutboundMessage,
  fields: {
    messageId: string;
    author: Author;
    at: Date;
    agent?: string;
    ticketId?: string;
    /** An agent sending despite blocking findings: recorded `sent_with_reason` with the reason. */
    override?: { reason: string };
  },
): Promise<{ message: SentMessage } | { blocked: Inspection & { ruleSet?: RuleSet } }> {
  const ruleSet = await inspection.rules();
  const result = inspectWith(ruleSet, message.text, fields.author);
  const overridden = result.blocked && fields.override !== undefined;
  const record = auditRecord(result, {
    messageId: fields.messageId,
    at: fields.at.toISOString(),
    author: fields.author,
    ...(fields.agent ? { agent: fields.agent } : {}),
    channel: message.channel,
    conversationKey: message.conversationKey,
    ...(fields.ticketId ? { ticketId: fields.ticketId } : {}),
    decision: overridden ? "sent_with_reason" : result.blocked ? "blocked" : "sent",
    ...(overridden ? { reason: fields.override?.reason } : {}),
    text: message.text,
  });
  // Recorded before anything is sent: a message sent is never missing from the audit trail.
  await inspection.audit.record(record, fields.at);
  if (result.blocked && !overridden) return { blocked: { ...result, ...(ruleSet ? { ruleSet } : {}) } };
  return { message: { ...message, inspection: receiptFor(record, message.text) } };
}

/**
 * The analytics event of a message delivered to a customer. A message sent belongs to no one session
 * (a CSAT question follows the resolve, a keyword answer comes before any), and nothing groups sends by
 * conversation, so its `conversation` is hashed with the send's time: the conversation key alone (a
 * phone number on SMS) would link every session of a customer and could be found by trying numbers.
 */
export function sentEvent(message: SentMessage, at: Date): UnsealedEvent {
  return {
    v: ANALYTICS_EVENT_VERSION,
    type: "sent",
    at: at.toISOString(),
    channel: message.channel,
    session: { conversationKey: message.conversationKey, startedAt: at.toISOString() },
  };
}
