/**
 * When the policy answers, asks the customer to choose, or hands off (policy.ts). The defaults are
 * calibrated on the dev sets for the embedded engine's scores: how, in shared/kb/calibration.ts; operators
 * override them with KEFU_ANSWER_THRESHOLD / KEFU_MARGIN_THRESHOLD / KEFU_CLARIFY_THRESHOLD /
 * KEFU_SUGGEST_THRESHOLD / KEFU_OFF_TOPIC_SUGGEST_THRESHOLD.
 */
export interface PolicyThresholds {
  /** Answer only when the best entry's calibrated score reaches this… */
  answerThreshold: number;
  /** …and it leads the next different entry by at least this much. */
  marginThreshold: number;
  /** Entries at or above this are offered in a clarify question (when two or more qualify). */
  clarifyThreshold: number;
  /**
   * A best entry at or above this that is not answered is offered with the next entries whatever their
   * scores ("您是想问：1… 2… 3…"), rather than handed off: a likely entry is worth asking about. This one
   * is for a message that shares a content word with the knowledge base (scope.ts), which goes to a
   * person otherwise; bench/clarify.ts measures what each value adds and what it costs out of scope.
   */
  suggestThreshold: number;
  /**
   * The same for a message none of whose content words the knowledge base uses (scope.ts): such a message
   * is more likely a question the KB does not cover, so a choice is offered to it only at a higher score.
   */
  offTopicSuggestThreshold: number;
  maxClarifyOptions: number;
}

export const DEFAULT_THRESHOLDS: PolicyThresholds = {
  answerThreshold: 0.83,
  marginThreshold: 0.1,
  clarifyThreshold: 0.2,
  suggestThreshold: 0.3,
  offTopicSuggestThreshold: 0.6,
  maxClarifyOptions: 3,
};
