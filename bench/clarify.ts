/**
 * What a three-option clarify adds: every query of a set goes through the local engine once, then the
 * policy is re-run over the cached candidates for a grid of thresholds. A clarify counts as contained
 * when the expected entry is among its options (the customer picks it); answer precision counts direct
 * answers only (an answer after a pick is the customer's own choice). Out-of-scope queries that get a
 * clarify are counted apart: they cost the customer one question before the hand-off.
 *   npx tsx bench/clarify.ts [--json]
 * Sets: the e-commerce conversations' single questions (tuning set), and the public dev sets of
 * ../shared/data/dev/. The hold-out conversation file is not read here (it is never tuned on).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { loadConversationFile, standaloneQueries } from "../local/eval/conversations";
import { type EvalFile, loadEvalFile } from "../local/eval/file";
import { computeMetrics } from "../local/eval/metrics";
import { type KefuRun, policyOutcomes, runKefu } from "../local/eval/run";
import { DEFAULT_THRESHOLDS, type PolicyThresholds } from "../shared/core/thresholds";

export interface ClarifyRow {
  thresholds: Partial<PolicyThresholds>;
  answerPrecision: number;
  /** In-scope queries answered right directly. */
  containmentDirect: number;
  /** … or through a clarify listing the expected entry. */
  containment: number;
  clarifyRate: number;
  /** Out-of-scope queries asked to choose instead of handed off straight away. */
  oosClarified: number;
  oosRecall: number;
}

export function clarifyRow(file: EvalFile, run: KefuRun, thresholds: Partial<PolicyThresholds>): ClarifyRow {
  const outcomes = policyOutcomes(file, run, thresholds);
  const m = computeMetrics(outcomes);
  const oos = outcomes.filter((o) => o.expected === null);
  return {
    thresholds,
    answerPrecision: m.answerPrecision,
    containmentDirect: m.containment,
    containment: m.containment + m.clarifyHit,
    clarifyRate: m.clarifyRate,
    oosClarified: oos.length === 0 ? 0 : oos.filter((o) => o.kind === "clarify").length / oos.length,
    oosRecall: m.oosRecall,
  };
}

/** No clarify at all: neither close entries nor a likely one are asked about. */
export const NO_CLARIFY: Partial<PolicyThresholds> = {
  clarifyThreshold: 1.01,
  suggestThreshold: 1.01,
  offTopicSuggestThreshold: 1.01,
};

/**
 * The grid, at the default answer and margin thresholds and around them: no clarify; clarify floors with
 * no suggestion; then suggestion thresholds (a likely entry asked about with the runners-up) over the
 * default floor.
 */
export const GRID: Partial<PolicyThresholds>[] = [0.75, 0.8, 0.83, 0.86, 0.9].flatMap((answerThreshold) => [
  { answerThreshold, ...NO_CLARIFY },
  ...[0.1, 0.2, 0.3, 0.4, 0.5].map((clarifyThreshold) => ({
    answerThreshold,
    clarifyThreshold,
    suggestThreshold: 1.01,
    offTopicSuggestThreshold: 1.01,
  })),
  // One offer threshold for every message, then a lower one for messages that look in scope (scope.ts)
  // than for those that do not.
  ...[0.3, 0.4, 0.5, 0.6, 0.7].map((s) => ({
    answerThreshold,
    suggestThreshold: s,
    offTopicSuggestThreshold: s,
  })),
  ...[0.2, 0.3, 0.4].flatMap((suggestThreshold) =>
    [0.5, 0.6, 0.7].map((offTopicSuggestThreshold) => ({
      answerThreshold,
      suggestThreshold,
      offTopicSuggestThreshold,
    })),
  ),
]);

export function sets(): { name: string; file: EvalFile }[] {
  const out: { name: string; file: EvalFile }[] = [];
  const { file, entries } = loadConversationFile("bench/data/ecommerce.conversations.json");
  out.push({ name: "ecommerce (single questions)", file: standaloneQueries(file, entries) });
  for (const name of ["banking77_oos.dev", "zh_smp2017.dev"]) {
    const path = resolve("..", "shared", "data", "dev", `${name}.json`);
    if (existsSync(path)) out.push({ name, file: loadEvalFile(path) });
    else process.stderr.write(`clarify bench: ${path} is missing, skipped\n`);
  }
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}`.padStart(5);

async function main(): Promise<void> {
  const report: { set: string; rows: ClarifyRow[] }[] = [];
  for (const { name, file } of sets()) {
    const run = await runKefu(file, { thresholds: DEFAULT_THRESHOLDS });
    report.push({ set: name, rows: GRID.map((t) => clarifyRow(file, run, t)) });
  }
  if (process.argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  for (const { set, rows } of report) {
    process.stdout.write(
      `${set}\n  answer clarify suggest (off-topic) | precision  contained direct / +clarify | clarify rate  OOS clarified  OOS recall\n`,
    );
    for (const r of rows) {
      const c = r.thresholds.clarifyThreshold ?? DEFAULT_THRESHOLDS.clarifyThreshold;
      const s = r.thresholds.suggestThreshold ?? DEFAULT_THRESHOLDS.suggestThreshold;
      const o = r.thresholds.offTopicSuggestThreshold ?? DEFAULT_THRESHOLDS.offTopicSuggestThreshold;
      process.stdout.write(
        `  ${String(r.thresholds.answerThreshold).padEnd(6)} ${(c > 1 ? "off" : String(c)).padEnd(7)} ${(s > 1 ? "off" : String(s)).padEnd(4)} ${(o > 1 ? "off" : `(${o})`).padEnd(6)} |   ${pct(r.answerPrecision)}   ${pct(r.containmentDirect)} / ${pct(r.containment)}        |   ${pct(r.clarifyRate)}        ${pct(r.oosClarified)}       ${pct(r.oosRecall)}\n`,
      );
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
