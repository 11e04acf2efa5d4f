/**
 * Logistic calibration of lexical retrieval features into P(entry is right):
 * score = σ(intercept + best·similarity + others·(other phrasings) + margin·margin + zh·[query is zh]).
 */
export interface LexicalCalibration {
  intercept: number;
  best: number;
  others: number;
  margin: number;
  zh: number;
}

export const DEFAULT_CALIBRATION: LexicalCalibration = {
  intercept: -4.77,
  best: -2.98,
  others: 2.55,
  margin: 5.22,
  evidence: 3.24,
};

export interface PolicyThresholds {
  answerThreshold: number;
  marginThreshold: number;
  clarifyThreshold: number;
  maxClarifyOptions: number;
}

export const DEFAULT_THRESHOLDS: PolicyThresholds = {
  answerThreshold: 0.85,
  marginThreshold: 0.1,
  clarifyThreshold: 0.3,
  maxClarifyOptions: 3,
};
