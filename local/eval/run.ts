/** Runs every query of a file through an answer engine, and re-runs the policy over cached candidates. */
import { performance } from "node:perf_hooks";
import { createLocalEngine, type LocalEngineOptions } from "../../shared/ai/local-engine";
import { mapWithConcurrency } from "../../shared/core/concurrency";
import type { AnswerEngine } from "../../shared/core/engine";
import type { Candidate } from "../../shared/core/faq";
import { decide } from "../../shared/core/policy";
import type { PolicyThresholds } from "../../shared/core/thresholds";
import { type EvalFile, toEntries } from "./file";
import { computeMetrics, type Outcome } from "./metrics";

export interface KefuRun {
  outcomes: Outcome[];
  /** Rank-1 candidate (faqId, calibrated score) per query, for threshold sweeps; undefined after a trigger. */
  top: ({ faqId: string; score: number } | undefined)[];
  candidates: Candidate[][];
  /** Per query, whether it shares a content word with the knowledge base (the engine's scope), if known. */
  looksInScope?: boolean[];
}

/** The embedded engine, as the worker builds it with `KEFU_ENGINE=local`. */
export async function runKefu(file: EvalFile, options: LocalEngineOptions = {}): Promise<EngineRun> {
  // Warm-up (JIT, ICU segmenter data) so latency reflects a warm Lambda, not the first call.
  return runEngine(file, createLocalEngine(toEntries(file), options), { warmUp: 50 });
}

export interface RunOptions {
  /** Queries decided first and thrown away, so latency reflects a warm worker (0 for a paid model). */
  warmUp?: number;
  /** Decisions in flight at once; 1 (the default) gives clean latency figures. */
  concurrency?: number;
}

export interface EngineRun extends KefuRun {
  /** Model tokens of the run (Bedrock engine). */
  usage: { inputTokens: number; outputTokens: number };
}

/** Every query through `engine.decide` with an empty history, as one standalone customer message. */
export async function runEngine(
  file: EvalFile,
  engine: AnswerEngine,
  options: RunOptions = {},
): Promise<EngineRun> {
  for (const q of file.queries.slice(0, options.warmUp ?? 0))
    await engine.decide({ text: q.text, history: [] });
  const usage = { inputTokens: 0, outputTokens: 0 };
  const results = await mapWithConcurrency(file.queries, options.concurrency ?? 1, async (q) => {
    const t0 = performance.now();
    const result = await engine.decide({ text: q.text, history: [] });
    return { result, ms: performance.now() - t0 };
  });
  const run: EngineRun = { outcomes: [], top: [], candidates: [], usage };
  const scope = engine.scope;
  if (scope) run.looksInScope = file.queries.map((q) => scope.inScope(q.text));
  results.forEach(({ result, ms }, i) => {
    const { decision, candidates } = result;
    const o: Outcome = {
      expected: (file.queries[i] as EvalFile["queries"][number]).expected,
      kind: decision.kind,
      ranked: [...new Set(candidates.map((c) => c.faqId))],
      ms,
    };
    if (decision.kind === "answer") o.faqId = decision.faqIds[0];
    if (decision.kind === "clarify") o.options = decision.options.map((x) => x.faqId);
    run.outcomes.push(o);
    run.top.push(candidates[0] ? { faqId: candidates[0].faqId, score: candidates[0].score } : undefined);
    run.candidates.push(candidates);
    usage.inputTokens += result.usage?.inputTokens ?? 0;
    usage.outputTokens += result.usage?.outputTokens ?? 0;
  });
  return run;
}

/** Re-runs only the policy over cached candidates (retrieval does not depend on thresholds). */
export function policyOutcomes(
  file: EvalFile,
  run: KefuRun,
  thresholds: Partial<PolicyThresholds>,
  indices?: number[],
): Outcome[] {
  const entries = new Map(toEntries(file).map((e) => [e.id, e]));
  const idx = indices ?? file.queries.map((_, i) => i);
  return idx.map((i) => {
    const q = file.queries[i] as EvalFile["queries"][number];
    const prior = run.outcomes[i] as Outcome;
    // A trigger fired (no candidates) — thresholds cannot change that.
    if ((run.candidates[i] ?? []).length === 0) return prior;
    const d = decide({
      candidates: run.candidates[i] ?? [],
      entry: (id) => entries.get(id),
      language: "en",
      thresholds,
      ...(run.looksInScope ? { looksInScope: run.looksInScope[i] } : {}),
    });
    const o: Outcome = { expected: q.expected, kind: d.kind, ms: prior.ms, ranked: prior.ranked ?? [] };
    if (d.kind === "answer") o.faqId = d.faqIds[0];
    if (d.kind === "clarify") o.options = d.options.map((x) => x.faqId);
    return o;
  });
}

/**
 * Two-fold check against overfitting: picks the thresholds that maximise containment at ≥ 90% answer
 * precision on even-numbered queries, and reports them on the odd-numbered ones (and vice versa).
 */
export function crossValidate(file: EvalFile, run: KefuRun, minPrecision = 0.9) {
  const even = file.queries.map((_, i) => i).filter((i) => i % 2 === 0);
  const odd = file.queries.map((_, i) => i).filter((i) => i % 2 === 1);
  const grid: Partial<PolicyThresholds>[] = [];
  for (let a = 0.5; a <= 0.99; a += 0.02) {
    for (const m of [0, 0.05, 0.1, 0.2, 0.3])
      grid.push({ answerThreshold: Number(a.toFixed(2)), marginThreshold: m });
  }
  const tune = (idx: number[]) => {
    let best = grid[0] as Partial<PolicyThresholds>;
    let bestC = -1;
    for (const g of grid) {
      const m = computeMetrics(policyOutcomes(file, run, g, idx));
      if (m.answerPrecision >= minPrecision && m.containment > bestC) {
        bestC = m.containment;
        best = g;
      }
    }
    return best;
  };
  const onEven = tune(even);
  const onOdd = tune(odd);
  return [
    { tunedOn: "even", thresholds: onEven, heldOut: computeMetrics(policyOutcomes(file, run, onEven, odd)) },
    { tunedOn: "odd", thresholds: onOdd, heldOut: computeMetrics(policyOutcomes(file, run, onOdd, even)) },
  ];
}
