import type { HandoffOffer } from "../conversation";
import type { Deadline } from "../deadline";
import type { HandoffReason } from "../engine";
import type { InspectionReceipt } from "../message";
import type { SmallTalkIntent } from "../understanding/smalltalk";

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
  /** A rating of the ticket just resolved (CSAT), or a message that reopened it (after-resolve.ts). */
  | { action: "rated"; ticketId: string }
  | { action: "reopened"; ticketId: string }
  | { action: "welcomed" }
  | { action: "media_declined" }
  | { action: "keyword_answered" }
  | { action: "small_talk"; intent: SmallTalkIntent }
  /** An off-topic message: the bot said what it can help with (the first in a row) or offered a person. */
  | { action: "out_of_scope"; offered: boolean }
  /** A message in a language the bot does not write, with nothing it could answer: told so. */
  | { action: "language_notice" }
  /** Quality inspection blocked the reply: the safe sentence went out instead (pipeline/inspect.ts). */
  | { action: "withheld"; instead: WithheldKind }
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
  /** The reply was prefixed with a line saying the bot does not write the message's language. */
  languageNotice?: boolean;
  /**
   * An earlier delivery sent this part (0-based) without hearing back (DeliveryUnknownError); it was sent
   * again, so the customer may have it twice. Logged and counted, so the rate is known.
   */
  resentUnknownPart?: number;
};

/**
 * What the bot did with a message, in the terms of the conversation evaluations (bench/data/README.md):
 * every outcome maps to one kind.
 */
export type OutcomeKind =
  | "answer"
  | "clarify"
  | "smalltalk"
  | "out_of_scope"
  | "offer_handoff"
  | "handoff"
  | "silent"
  | "language_notice"
  | "other";

export function outcomeKind(outcome: PipelineOutcome): OutcomeKind {
  if (outcome.languageNotice) return "language_notice";
  switch (outcome.action) {
    case "answered":
      return "answer";
    case "clarified":
      return "clarify";
    case "handed_off":
      return "handoff";
    case "silent":
      return "silent";
    case "small_talk":
    case "welcomed":
      return "smalltalk";
    case "keyword_answered":
      return "smalltalk";
    case "out_of_scope":
      return outcome.offered ? "offer_handoff" : "out_of_scope";
    case "language_notice":
      return "language_notice";
    default:
      return "other";
  }
}

export type Usage = { inputTokens: number; outputTokens: number };

/**
 * A reply the worker decided on: everything needed to send it and record it, kept in the outbox so
 * that a redelivered message finishes this reply instead of deciding (and sending) another. Once
 * inspected (pipeline/inspect.ts) it carries the receipt the channels' sender asks for.
 */
export type ReplyPlan = DecidedPlan & { inspection?: InspectionReceipt };

type DecidedPlan =
  | { kind: "welcome"; text: string }
  | { kind: "media"; text: string }
  | {
      kind: "answer";
      text: string;
      faqIds: string[];
      confidence: number;
      usage?: Usage;
      /** Prefixed with the line saying the message's language is not one the bot writes. */
      languageNotice?: boolean;
      /** The question answered, when not the message as written (EngineResult.question). */
      question?: string;
    }
  | {
      kind: "clarify";
      text: string;
      options: { faqId: string; question: string }[];
      usage?: Usage;
      /** The question the options are offered for, when not the message as written. */
      question?: string;
    }
  | { kind: "handoff"; text: string; reason: HandoffReason; ticketId: string; usage?: Usage }
  /** The thanks for a CSAT rating just recorded on the resolved ticket `ticketId`. */
  | { kind: "csat_thanks"; text: string; ticketId: string }
  | { kind: "smalltalk"; text: string; intent: SmallTalkIntent }
  | {
      kind: "out_of_scope";
      text: string;
      offered: boolean;
      /** What the person is offered for, when not this message: the question whose entries it rejected. */
      offeredFor?: HandoffOffer;
    }
  /** `offered`: the notice offered a person (handoffOffered), as a second off-topic message does. */
  | { kind: "language_notice"; text: string; offered: boolean }
  /** The safe sentence said instead of a reply that quality inspection blocked (`instead`). */
  | { kind: "withheld"; text: string; instead: WithheldKind; usage?: Usage };

/** The kinds of reply the safe sentence may stand in for (a hand-off keeps its kind and its ticket). */
export type WithheldKind =
  | "welcome"
  | "media"
  | "answer"
  | "clarify"
  | "smalltalk"
  | "out_of_scope"
  | "language_notice";
