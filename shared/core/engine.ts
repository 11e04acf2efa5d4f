import type { Topic, Turn } from "./conversation";
import type { Candidate, FaqEntry } from "./faq";
import type { KnowledgeScope } from "./understanding/scope";

/** Why a conversation went to a person; recorded on the ticket and in metrics. */
export type HandoffReason =
  | "low_confidence"
  | "customer_request"
  | "negative_sentiment"
  | "repeated_failure"
  | "sensitive_topic"
  | "model_requested"
  | "engine_error"
  /** The answer broke a blocking quality-inspection rule (pipeline/inspect.ts): a person answers instead. */
  | "inspection"
  /** The bot could not handle the message on any of its receives (pipeline/escalate.ts). */
  | "processing_failed";

/** How soon a person should take the ticket: high for regulated topics and intense anger. */
export type TicketPriority = "normal" | "high";

export type Decision =
  | { kind: "answer"; text: string; faqIds: string[]; confidence: number }
  | { kind: "clarify"; text: string; options: { faqId: string; question: string }[] }
  | { kind: "handoff"; reason: HandoffReason; priority: TicketPriority; detail?: string };

export interface EngineInput {
  /** The customer's text (already redacted of personal data). */
  text: string;
  /** Recent turns, oldest first, for follow-ups and repeated-failure detection. */
  history: Turn[];
  /** Channel-visible language hint, when the channel knows it. */
  language?: "zh" | "en";
  /**
   * The options of the bot's last clarify question, if the customer has not answered it yet. The
   * pipeline stores them on the conversation; a reply of "2", "第二个" or an option's text picks one.
   */
  pendingClarification?: { faqId: string; question: string }[];
  /** The conversation's last FAQ exchange, for follow-ups ("那澳门呢") that lean on it (followup.ts). */
  topic?: Topic;
  /**
   * Aborts when the message's time for deciding is spent (the rest is kept for sending the reply):
   * engines stop their remote calls then and decide with what they have.
   */
  signal?: AbortSignal;
}

export interface EngineResult {
  decision: Decision;
  /** The retrieval candidates behind the decision, kept on tickets for the agents. */
  candidates: Candidate[];
  /**
   * The question the decision answers when it is not the message as written: a follow-up read with the
   * previous question, or the question a clarify's pick answers. The conversation keeps it as its topic.
   */
  question?: string;
  /** Model tokens spent on this decision (Bedrock engines only), for cost metrics. */
  usage?: { inputTokens: number; outputTokens: number };
}

/**
 * Decides how to answer one customer message. The embedded default is lexical retrieval with a
 * calibrated threshold; Bedrock embeddings and an LLM plug in behind the same interface.
 */
export interface AnswerEngine {
  decide(input: EngineInput): Promise<EngineResult>;
  /**
   * What the knowledge base is about (its categories, its vocabulary): the examples in a greeting and
   * whether an unanswered message is off-topic. Without it the bot names no topics and treats every
   * unanswered message as a question for a person.
   */
  readonly scope?: KnowledgeScope;
}

/** Builds an engine for one version of the knowledge base. */
export type AnswerEngineFactory = (entries: FaqEntry[]) => AnswerEngine;
