/** What the eval tool counts, and threshold sweeps over a run's top candidates. */
import type { EvalFile } from "./file";

export interface Outcome {
  expected: string | null;
  kind: "answer" | "clarify" | "handoff";
  /** The answered entry, for answers. */
  faqId?: string;
  /** Clarify options, for clarifies. */
  options?: string[];
  /** Retrieval's entries, best first (none when a trigger decided), for top-1/top-3 recall. */
  ranked?: string[];
  ms: number;
}

export interface Metrics {
  inScopeAccuracy: number;
  oosRecall: number;
  answerPrecision: number;
  containment: number;
  handoffRate: number;
  p50Ms: number;
  p99Ms: number;
  n: number;
  clarifyRate: number;
  /** Share of in-scope queries that got a clarify listing the expected entry. */
  clarifyHit: number;
  inScope: number;
  outOfScope: number;
  answers: number;
  /** Share of in-scope queries whose expected entry retrieval ranks first / in the first three. */
  top1: number;
  top3: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] as number;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/**
 * In-scope accuracy and containment share a numerator (in-scope queries answered right) and a
 * denominator (in-scope queries): with an empty history they are equal. Both are reported because the
 * README defines both; they differ in production, where containment also counts conversations.
 */
export function computeMetrics(outcomes: Outcome[]): Metrics {
  const inScope = outcomes.filter((o) => o.expected !== null);
  const oos = outcomes.filter((o) => o.expected === null);
  const answers = outcomes.filter((o) => o.kind === "answer");
  const right = answers.filter((o) => o.faqId === o.expected);
  const inScopeRight = inScope.filter((o) => o.kind === "answer" && o.faqId === o.expected);
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  return {
    inScopeAccuracy: ratio(inScopeRight.length, inScope.length),
    oosRecall: ratio(oos.filter((o) => o.kind === "handoff").length, oos.length),
    answerPrecision: ratio(right.length, answers.length),
    containment: ratio(inScopeRight.length, inScope.length),
    handoffRate: ratio(outcomes.filter((o) => o.kind === "handoff").length, outcomes.length),
    p50Ms: percentile(ms, 0.5),
    p99Ms: percentile(ms, 0.99),
    n: outcomes.length,
    clarifyRate: ratio(outcomes.filter((o) => o.kind === "clarify").length, outcomes.length),
    clarifyHit: ratio(
      inScope.filter((o) => o.kind === "clarify" && o.options?.includes(o.expected as string)).length,
      inScope.length,
    ),
    inScope: inScope.length,
    outOfScope: oos.length,
    answers: answers.length,
    top1: ratio(inScope.filter((o) => o.ranked?.[0] === o.expected).length, inScope.length),
    top3: ratio(
      inScope.filter((o) => o.ranked?.slice(0, 3).includes(o.expected as string)).length,
      inScope.length,
    ),
  };
}

export interface SweepPoint {
  threshold: number;
  inScopeAccuracy: number;
  oosRecall: number;
  answerPrecision: number;
}

/** Metrics of "answer the top hit when its score ≥ threshold, else hand off". */
export function thresholdPoint(
  file: EvalFile,
  top: ({ faqId: string; score: number } | undefined)[],
  threshold: number,
): SweepPoint {
  let inScope = 0;
  let oos = 0;
  let inRight = 0;
  let oosHandoff = 0;
  let answers = 0;
  let right = 0;
  file.queries.forEach((q, i) => {
    const t = top[i];
    const answered = t !== undefined && t.faqId !== "" && t.score >= threshold;
    const ok = answered && t?.faqId === q.expected;
    if (answered) answers++;
    if (ok) right++;
    if (q.expected === null) {
      oos++;
      if (!answered) oosHandoff++;
    } else {
      inScope++;
      if (ok) inRight++;
    }
  });
  return {
    threshold,
    inScopeAccuracy: ratio(inRight, inScope),
    oosRecall: ratio(oosHandoff, oos),
    answerPrecision: ratio(right, answers),
  };
}

/** The lowest threshold whose OOS recall reaches `recall` (thresholds are the scores themselves). */
export function atOosRecall(
  file: EvalFile,
  top: ({ faqId: string; score: number } | undefined)[],
  recall: number,
): SweepPoint {
  const scores = [...new Set(top.map((t) => t?.score ?? 0))].sort((a, b) => a - b);
  for (const s of [0, ...scores.map((x) => x + 1e-9)]) {
    const p = thresholdPoint(file, top, s);
    if (p.oosRecall >= recall - 1e-12) return p;
  }
  return thresholdPoint(file, top, Number.POSITIVE_INFINITY);
}

/** The highest threshold whose in-scope accuracy still reaches `accuracy`, if any. */
export function atInScopeAccuracy(
  file: EvalFile,
  top: ({ faqId: string; score: number } | undefined)[],
  accuracy: number,
): SweepPoint | undefined {
  const scores = [...new Set(top.map((t) => t?.score ?? 0))].sort((a, b) => b - a);
  for (const s of scores) {
    const p = thresholdPoint(file, top, s);
    if (p.inScopeAccuracy >= accuracy - 1e-12) return p;
  }
  return undefined;
}
