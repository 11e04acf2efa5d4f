/**
 * When the policy answers, asks the customer to choose, or hands off (policy.ts). The defaults are
 * calibrated on the dev sets for the embedded engine's scores: how, in shared/kb/calibration.ts; operators
 * override them with KEFU_ANSWER_THRESHOLD / KEFU_MARGIN_THRESHOLD / KEFU_CLARIFY_THRESHOLD.
 */
export interface PolicyThresholds {
  /** Answer only when the best entry's calibrated score reaches this… */
  answerThreshold: number;
  /** …and it leads the next different entry by at least this much. */
  marginThreshold: number;
  /** Entries at or above this are offered in a clarify question (when two or more qualify). */
  clarifyThreshold: number;
  maxClarifyOptions: number;
}

export const DEFAULT_THRESHOLDS: PolicyThresholds = {
  answerThreshold: 0.83,
  marginThreshold: 0.1,
  clarifyThreshold: 0.2,
  maxClarifyOptions: 3,
};
