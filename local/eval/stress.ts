/** Stress mode: knowledge bases built from a random part of the entries (`--subsample`). */
import type { LocalEngineOptions } from "../../shared/ai/local-engine";
import { seededRandom } from "../random";
import type { EvalFile } from "./file";
import { computeMetrics } from "./metrics";
import { runKefu } from "./run";

/**
 * A knowledge base made of a random `fraction` of the entries (at least one): the queries of the dropped
 * entries stay, as out-of-scope queries. They are near-miss siblings of the kept entries, the hardest
 * kind of out-of-scope question, which is what an unseen knowledge base looks like to a calibration
 * fitted on the full sets.
 */
export function subsampleFile(file: EvalFile, fraction: number, random: () => number): EvalFile {
  const order = file.faq.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const keep = Math.max(1, Math.min(file.faq.length, Math.round(fraction * file.faq.length)));
  const kept = new Set(order.slice(0, keep));
  const faq = file.faq.filter((_, i) => kept.has(i));
  const ids = new Set(faq.map((e) => e.id));
  return {
    faq,
    queries: file.queries.map((q) => ({
      text: q.text,
      expected: q.expected !== null && ids.has(q.expected) ? q.expected : null,
    })),
  };
}

export interface StressDraw {
  draw: number;
  entries: number;
  inScope: number;
  outOfScope: number;
  inScopeAccuracy: number;
  oosRecall: number;
  answerPrecision: number;
  answers: number;
}

export interface StressSummary {
  fraction: number;
  seed: number;
  draws: StressDraw[];
  mean: { inScopeAccuracy: number; oosRecall: number; answerPrecision: number };
  min: { inScopeAccuracy: number; oosRecall: number; answerPrecision: number };
}

/**
 * Runs `draws` subsampled knowledge bases (see `subsampleFile`), all drawn from one generator seeded
 * with `seed`. A draw without any answer counts as precision 1 (no wrong answer was given).
 */
export async function runStress(
  file: EvalFile,
  fraction: number,
  draws: number,
  seed: number,
  options: LocalEngineOptions = {},
): Promise<StressSummary> {
  const random = seededRandom(seed);
  const results: StressDraw[] = [];
  for (let d = 0; d < draws; d++) {
    const sub = subsampleFile(file, fraction, random);
    const m = computeMetrics((await runKefu(sub, options)).outcomes);
    results.push({
      draw: d + 1,
      entries: sub.faq.length,
      inScope: m.inScope,
      outOfScope: m.outOfScope,
      inScopeAccuracy: m.inScopeAccuracy,
      oosRecall: m.oosRecall,
      answerPrecision: m.answers === 0 ? 1 : m.answerPrecision,
      answers: m.answers,
    });
  }
  const keys = ["inScopeAccuracy", "oosRecall", "answerPrecision"] as const;
  const agg = (f: (xs: number[]) => number) =>
    Object.fromEntries(keys.map((k) => [k, f(results.map((r) => r[k]))])) as StressSummary["mean"];
  return {
    fraction,
    seed,
    draws: results,
    mean: agg((xs) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length)),
    min: agg((xs) => (xs.length === 0 ? 0 : Math.min(...xs))),
  };
}
