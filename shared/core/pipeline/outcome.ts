import type { Deadline } from "../deadline";
import type { HandoffReason } from "../engine";

export interface ProcessOptions {
  /** The invocation's time budget (the worker derives it from Lambda's remaining time). */
  deadline?: Deadline;
}

export type PipelineOutcome = (
  | { action: "answered"; faqIds: string[]; confidence: number }
  | { action: "clarified"; options: string[] }
  | { action: "handed_off"; reason: HandoffReason; ticketId: string; platformHandoffError?: string }
  | { action: "resumed"; ticketId?: string }
  | { action: "silent"; ticketId: string }
  | { action: "welcomed" }
  | { action: "media_declined" }
  | { action: "keyword_answered" }
  | { action: "ignored"; why: string }
  | { action: "duplicate" }
  /** The platform refused the reply for good (customer unsubscribed, out of the reply window…). */
  | { action: "undeliverable"; error: string }
) & {
  /**
   * The reply went out but its outbox record could not be written (the store's error name): the
   * conversation's record of the message is what keeps a redelivery from answering again.
   */
  unrecorded?: string;
};

export type Usage = { inputTokens: number; outputTokens: number };

/**
 * A reply the worker decided on: everything needed to send it and record it, kept in the outbox so
 * that a redelivered message finishes this reply instead of deciding (and sending) another.
 */
export type ReplyPlan =
  | { kind: "welcome"; text: string }
  | { kind: "media"; text: string }
  | { kind: "answer"; text: string; faqIds: string[]; confidence: number; usage?: Usage }
  | { kind: "clarify"; text: string; options: { faqId: string; question: string }[]; usage?: Usage }
  | { kind: "handoff"; text: string; reason: HandoffReason; ticketId: string; usage?: Usage };
