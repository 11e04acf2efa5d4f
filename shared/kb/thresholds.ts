/**
 * Calibrated defaults for the embedded engine. How they were obtained (reproduce with
 * `npm run eval -- <file> --compare-minisearch --tune`):
 *
 * Calibration: logistic regression (Newton/IRLS, tiny ridge) on the rank-1 candidate of every query of
 * both dev sets (banking77_oos en, 2236 queries; zh_smp2017 zh, 875), label = "rank-1 entry is the
 * expected one", so out-of-scope queries are negatives. Two-fold cross-validation (even/odd queries) gave
 * the same weights within ±0.5 and the same held-out precision/containment, so the fit is stable. On both
 * sets the predicted probability matches the observed share of right answers within ~5 points per bin.
 * A language offset was tried and dropped: with two sets it only learns which set is harder. Without the
 * `evidence` feature, one threshold could not serve both sets (banking needed 0.91, Chinese 0.38).
 *
 * Thresholds: swept answer 0.5–0.99 × margin 0–0.3 × clarify 0.2–0.5 over cached candidates. 0.85 is the
 * lowest answer threshold with ≥ 90% answer precision on both dev sets with some slack (banking 90.2%,
 * zh 95.8%). The margin is already inside the calibrated score, so the margin threshold changed nothing
 * on these sets; 0.1 stays as a guard for retrievers whose scores lack it (dense, hybrid). Clarify at 0.3
 * lists the expected entry in 61% (banking) and 84% (zh) of the clarifies it sends, costing < 1 point of
 * OOS recall; lower thresholds clarify far more often for out-of-scope queries.
 */

/**
 * score = σ(intercept + best·similarity + others·(aggregate − similarity) + margin·margin
 *           + evidence·ln(1 + evidence)), the features being those of RankedCandidate.
 */
export interface LexicalCalibration {
  intercept: number;
  best: number;
  others: number;
  margin: number;
  evidence: number;
}

export const DEFAULT_CALIBRATION: LexicalCalibration = {
  intercept: -4.77,
  best: -2.98,
  others: 2.55,
  margin: 5.22,
  evidence: 3.24,
};

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
  answerThreshold: 0.85,
  marginThreshold: 0.1,
  clarifyThreshold: 0.3,
  maxClarifyOptions: 3,
};

/** Reads `KEFU_ANSWER_THRESHOLD`, `KEFU_MARGIN_THRESHOLD`, `KEFU_CLARIFY_THRESHOLD` over the defaults. */
export function thresholdsFromEnv(env: Record<string, string | undefined>): PolicyThresholds {
  const num = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      throw new RangeError(`${name} must be a number between 0 and 1, got "${raw}"`);
    }
    return value;
  };
  return {
    answerThreshold: num("KEFU_ANSWER_THRESHOLD", DEFAULT_THRESHOLDS.answerThreshold),
    marginThreshold: num("KEFU_MARGIN_THRESHOLD", DEFAULT_THRESHOLDS.marginThreshold),
    clarifyThreshold: num("KEFU_CLARIFY_THRESHOLD", DEFAULT_THRESHOLDS.clarifyThreshold),
    maxClarifyOptions: DEFAULT_THRESHOLDS.maxClarifyOptions,
  };
}
