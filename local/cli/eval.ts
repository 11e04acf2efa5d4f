/**
 * Measures the answering engine on a `{faq, queries}` file:
 *   npm run eval -- <file.json> [--json] [--compare-minisearch] [--tune] [--failures (conversation files)]
 *     [--answer-threshold X] [--margin-threshold X] [--clarify-threshold X] [--suggest-threshold X]
 *     [--subsample F --draws N [--seed S]] [--engine local|bedrock [--retrieval-only]]
 *   npm run eval -- <file.json> --learn [--seed S | --in-order] [--json]
 * The stress mode (`--subsample`) also runs N knowledge bases built from a random fraction F of the
 * entries, the dropped entries' queries becoming out of scope (see `subsampleFile`).
 * Thresholds default to KEFU_ANSWER_THRESHOLD / KEFU_MARGIN_THRESHOLD / KEFU_CLARIFY_THRESHOLD, then to
 * the calibrated defaults, exactly as in the worker.
 * Every query goes through the engine the worker builds (the embedded one by default; the Bedrock one
 * with `--engine bedrock`, configured by the same KEFU_* variables), with an empty history.
 * The learning mode (`--learn`, local/eval/learn.ts) teaches the bot from the hand-offs of the first 40%
 * of the stream and scores the last 40% before and after; `--json` prints `{before, after, …}`.
 * The library behind it lives in `local/eval/`; this file parses arguments and prints.
 *
 * Counting: an "answer" is right when its entry is the expected one. A "clarify" is not an answer: it
 * is neither right nor wrong for precision, it does not count as contained, and for an out-of-scope query
 * it is not a hand-off (so it lowers OOS recall). In-scope clarifies whose options include the expected
 * entry are reported separately (`clarifyHit`).
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { createLocalEngine, type LocalEngine } from "../../shared/ai/local-engine";
import { ENV } from "../../shared/config/names";
import { thresholdsFromEnv } from "../../shared/config/thresholds";
import { isHan } from "../../shared/core/text";
import type { PolicyThresholds } from "../../shared/core/thresholds";
import { shellEnv } from "../env";
import { createBedrockEvalEngine } from "../eval/bedrock";
import {
  conversationMetrics,
  failureLines,
  isConversationFile,
  loadConversationFile,
  runConversations,
  type TurnResult,
} from "../eval/conversations";
import { type EvalFile, loadEvalFile, toEntries } from "../eval/file";
import { runLearning } from "../eval/learn";
import {
  atInScopeAccuracy,
  atOosRecall,
  computeMetrics,
  type Metrics,
  type SweepPoint,
} from "../eval/metrics";
import { runMiniSearch } from "../eval/minisearch";
import { crossValidate, type EngineRun, runEngine, runKefu } from "../eval/run";
import { runStress, type StressSummary } from "../eval/stress";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

const THRESHOLD_FLAGS: Record<string, string> = {
  "--answer-threshold": ENV.answerThreshold,
  "--margin-threshold": ENV.marginThreshold,
  "--clarify-threshold": ENV.clarifyThreshold,
  "--suggest-threshold": ENV.suggestThreshold,
  "--off-topic-suggest-threshold": ENV.offTopicSuggestThreshold,
};

/** Options that take a value (besides the thresholds). */
const VALUE_FLAGS = new Set(["--subsample", "--draws", "--seed", "--engine"]);

/**
 * Splits argv into boolean flags, threshold settings, other valued options (`--x v` or `--x=v`) and
 * positional arguments.
 */
export function parseArgs(argv: string[]): {
  flags: Set<string>;
  env: Record<string, string>;
  values: Record<string, string>;
  files: string[];
} {
  const flags = new Set<string>();
  const env: Record<string, string> = {};
  const values: Record<string, string> = {};
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) {
      files.push(arg);
      continue;
    }
    const [name, inline] = arg.split("=", 2) as [string, string | undefined];
    if (VALUE_FLAGS.has(name)) {
      values[name] = inline ?? argv[++i] ?? "";
      continue;
    }
    const envName = THRESHOLD_FLAGS[name];
    if (envName) {
      const value = inline ?? argv[++i];
      // A missing value is kept as invalid text so the threshold validation names the flag's setting.
      env[envName] = value ?? "missing";
    } else flags.add(arg);
  }
  return { flags, env, values, files };
}

const USAGE =
  "usage: npm run eval -- <file.json> [--json] [--compare-minisearch] [--tune] [--answer-threshold X] [--margin-threshold X] [--clarify-threshold X] [--suggest-threshold X] [--subsample F --draws N [--seed S]] [--engine local|bedrock [--retrieval-only]] | <file.json> --learn [--seed S | --in-order] [--json]";

/** What the command line asks for, once checked. */
interface EvalOptions {
  path: string;
  flags: Set<string>;
  thresholdEnv: Record<string, string>;
  engineKind: "local" | "bedrock";
  stress: { fraction: number; draws: number; seed: number } | undefined;
  /** `--learn`: the stream's shuffle seed, or null for `--in-order`. */
  learn?: { seed: number | null };
}

/** Step 1: the arguments, or the usage problem to print. */
export function parseOptions(argv: string[]): EvalOptions | { problem: string | undefined } {
  const { flags, env: thresholdEnv, values, files } = parseArgs(argv);
  const known = new Set([
    "--json",
    "--compare-minisearch",
    "--tune",
    "--retrieval-only",
    "--learn",
    "--in-order",
    "--failures",
  ]);
  const unknownFlag = [...flags].find((f) => !known.has(f));
  if (flags.has("--learn")) return parseLearnOptions(flags, values, files, thresholdEnv, unknownFlag);
  const stress = parseStress(values);
  const engineKind = values["--engine"] ?? "local";
  const problem =
    (unknownFlag && `unknown option ${unknownFlag}`) ||
    (typeof stress === "string" && stress) ||
    (engineKind !== "local" && engineKind !== "bedrock" && "--engine needs local or bedrock") ||
    (engineKind === "local" && flags.has("--retrieval-only") && "--retrieval-only is for --engine bedrock") ||
    (engineKind === "bedrock" && stress && "--subsample runs the local engine only") ||
    undefined;
  if (files.length !== 1 || problem || typeof stress === "string") return { problem };
  if (flags.has("--in-order")) return { problem: "--in-order is for --learn" };
  return {
    path: files[0] as string,
    flags,
    thresholdEnv,
    engineKind: engineKind as "local" | "bedrock",
    stress,
  };
}

/** What a run measured, as `--json` prints it; the text report is drawn from it. */
interface EvalReport extends Metrics {
  thresholds: PolicyThresholds;
  bedrock?: {
    embeddingModel: string;
    answerModel: string | null;
    embedded: number;
    errors: Record<string, number>;
    usage: EngineRun["usage"];
  };
  minisearch?: {
    atKefuOosRecall: SweepPoint;
    atKefuInScopeAccuracy: SweepPoint | null;
    curve: { oosRecall: number; kefu: SweepPoint; minisearch: SweepPoint }[];
    tokenizer: string;
  };
  crossValidation?: ReturnType<typeof crossValidate>;
  stress?: StressSummary;
}

class EvalSetupError extends Error {
  readonly code = "EVAL_SETUP";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EvalSetupError";
  }
}

/** Step 2: the thresholds (flags over KEFU_* over defaults) and the file. */
function loadInputs(options: EvalOptions): { file: EvalFile; thresholds: PolicyThresholds } {
  const thresholds = loadThresholds(options);
  try {
    return { thresholds, file: loadEvalFile(options.path) };
  } catch (err) {
    throw new EvalSetupError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function loadThresholds(options: EvalOptions): PolicyThresholds {
  try {
    return thresholdsFromEnv({ ...shellEnv(), ...options.thresholdEnv });
  } catch (err) {
    throw new EvalSetupError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/** Which kind of eval file this is, from its top-level keys (undefined: unreadable, left to the loader). */
function fileKind(path: string): "conversations" | undefined {
  try {
    return isConversationFile(JSON.parse(readFileSync(path, "utf8"))) ? "conversations" : undefined;
  } catch {
    return undefined;
  }
}

/** Share of FAQ turns whose expected entry retrieval ranks first / in the first three. */
function retrievalRecall(engine: LocalEngine, results: TurnResult[]): { top1: number; top3: number } {
  const faqTurns = results.filter((r) => r.expect.kind === "answer");
  let top1 = 0;
  let top3 = 0;
  for (const r of faqTurns) {
    const faq = (r.expect as { faq: string }).faq;
    const ranked = engine.retriever.rank(r.text, 3).map((c) => c.faqId);
    if (ranked[0] === faq) top1++;
    if (ranked.includes(faq)) top3++;
  }
  return { top1: ratio(top1, faqTurns.length), top3: ratio(top3, faqTurns.length) };
}

/** Steps 3 and 4: builds the asked engine over the file's entries and runs every query through it. */
async function runSelectedEngine(
  options: EvalOptions,
  file: EvalFile,
  thresholds: PolicyThresholds,
): Promise<{ run: EngineRun; label: string; bedrock?: EvalReport["bedrock"] }> {
  if (options.engineKind === "local")
    return { run: await runKefu(file, { thresholds }), label: "Kefu local engine" };
  const generate = !options.flags.has("--retrieval-only");
  let bedrock: Awaited<ReturnType<typeof createBedrockEvalEngine>>;
  try {
    bedrock = await createBedrockEvalEngine(toEntries(file), { env: shellEnv(), thresholds, generate });
  } catch (err) {
    throw new EvalSetupError(`Bedrock engine: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  // A few decisions at a time: each is a network round trip, and Bedrock throttles bursts.
  const run = await runEngine(file, bedrock.engine, { concurrency: 4 });
  return {
    run,
    label: `Kefu Bedrock engine (${bedrock.embeddingModel}${bedrock.answerModel ? `, ${bedrock.answerModel}` : ", retrieval only"})`,
    bedrock: {
      embeddingModel: bedrock.embeddingModel,
      answerModel: bedrock.answerModel ?? null,
      embedded: bedrock.embedded,
      errors: bedrock.errors,
      usage: run.usage,
    },
  };
}

/** Step 5: the metrics, and the comparisons and sweeps the flags ask for. */
async function score(
  options: EvalOptions,
  file: EvalFile,
  thresholds: PolicyThresholds,
  run: EngineRun,
  bedrock: EvalReport["bedrock"],
): Promise<EvalReport> {
  const metrics = computeMetrics(run.outcomes);
  const report: EvalReport = { ...metrics, thresholds, ...(bedrock ? { bedrock } : {}) };
  if (options.flags.has("--compare-minisearch")) {
    const ms = runMiniSearch(file);
    report.minisearch = {
      atKefuOosRecall: atOosRecall(file, ms, metrics.oosRecall),
      atKefuInScopeAccuracy: atInScopeAccuracy(file, ms, metrics.inScopeAccuracy) ?? null,
      curve: [0.5, 0.7, 0.9].map((r) => ({
        oosRecall: r,
        kefu: atOosRecall(file, run.top, r),
        minisearch: atOosRecall(file, ms, r),
      })),
      tokenizer: file.faq.some((e) => e.questions.some((q) => [...q].some(isHan)))
        ? "one token per Han character, default split otherwise"
        : "MiniSearch default",
    };
  }
  if (options.flags.has("--tune")) report.crossValidation = crossValidate(file, run);
  if (options.stress) {
    const { fraction, draws, seed } = options.stress;
    report.stress = await runStress(file, fraction, draws, seed, { thresholds });
  }
  return report;
}

/** Step 6: the text report. */
export function formatReport(report: EvalReport, label: string, path: string): string[] {
  const t = report.thresholds;
  return [
    `${label} on ${path} (${report.n} queries: ${report.inScope} in scope, ${report.outOfScope} out of scope)`,
    `  thresholds         answer ${t.answerThreshold}, margin ${t.marginThreshold}, clarify ${t.clarifyThreshold}, suggest ${t.suggestThreshold}`,
    `  in-scope accuracy  ${pct(report.inScopeAccuracy)}`,
    `  OOS recall         ${pct(report.oosRecall)}`,
    `  answer precision   ${pct(report.answerPrecision)}  (${report.answers} answers)`,
    `  containment        ${pct(report.containment)}`,
    `  hand-off rate      ${pct(report.handoffRate)}`,
    `  clarify rate       ${pct(report.clarifyRate)}  (in-scope clarify listing the expected entry: ${pct(report.clarifyHit)})`,
    `  retrieval          top-1 ${pct(report.top1)}, top-3 ${pct(report.top3)} of in-scope queries`,
    `  latency            p50 ${report.p50Ms.toFixed(3)} ms, p99 ${report.p99Ms.toFixed(3)} ms`,
    ...formatBedrock(report.bedrock),
    ...formatMiniSearch(report),
    ...formatCrossValidation(report.crossValidation),
    ...formatStress(report.stress),
  ];
}

function formatBedrock(b: EvalReport["bedrock"]): string[] {
  if (!b) return [];
  const failed = Object.entries(b.errors).filter(([, n]) => n > 0);
  return [
    `  Bedrock            ${b.embedded} phrasings embedded; ${b.usage.inputTokens} input + ${b.usage.outputTokens} output tokens`,
    `  model failures     ${failed.length === 0 ? "none" : failed.map(([stage, n]) => `${stage} ${n}`).join(", ")}${failed.length > 0 ? " (fell back: these figures are not the models')" : ""}`,
  ];
}

function formatMiniSearch(report: EvalReport): string[] {
  const ms = report.minisearch;
  if (!ms) return [];
  const a = ms.atKefuOosRecall;
  return [
    `MiniSearch baseline (top hit over phrasings, score threshold; tokenizer: ${ms.tokenizer})`,
    `  at Kefu's OOS recall ${pct(report.oosRecall)}: in-scope accuracy ${pct(a.inScopeAccuracy)}, precision ${pct(a.answerPrecision)} (threshold ${a.threshold.toFixed(3)}, OOS recall ${pct(a.oosRecall)})`,
    ms.atKefuInScopeAccuracy
      ? `  at Kefu's in-scope accuracy ${pct(report.inScopeAccuracy)}: OOS recall ${pct(ms.atKefuInScopeAccuracy.oosRecall)}, precision ${pct(ms.atKefuInScopeAccuracy.answerPrecision)}`
      : `  never reaches Kefu's in-scope accuracy ${pct(report.inScopeAccuracy)}`,
    "  threshold on the top score only (no margin, no clarify), in-scope accuracy Kefu / MiniSearch:",
    ...ms.curve.map(
      (c) =>
        `    OOS recall ≥ ${pct(c.oosRecall)}: ${pct(c.kefu.inScopeAccuracy)} / ${pct(c.minisearch.inScopeAccuracy)}  (precision ${pct(c.kefu.answerPrecision)} / ${pct(c.minisearch.answerPrecision)})`,
    ),
  ];
}

function formatCrossValidation(cv: EvalReport["crossValidation"]): string[] {
  if (!cv) return [];
  return [
    "Two-fold threshold tuning (max containment at ≥ 90% precision), held-out half:",
    ...cv.map(
      (f) =>
        `  tuned on ${f.tunedOn}: answer ${f.thresholds.answerThreshold}, margin ${f.thresholds.marginThreshold} → held-out precision ${pct(f.heldOut.answerPrecision)}, containment ${pct(f.heldOut.containment)}, OOS recall ${pct(f.heldOut.oosRecall)}`,
    ),
  ];
}

function formatStress(st: StressSummary | undefined): string[] {
  if (!st) return [];
  const row = (label: string, m: StressSummary["mean"]) =>
    `  ${label}  precision ${pct(m.answerPrecision)}, in-scope accuracy ${pct(m.inScopeAccuracy)}, OOS recall ${pct(m.oosRecall)}`;
  return [
    `Stress: ${st.draws.length} knowledge bases of ${st.fraction} of the entries (seed ${st.seed}; queries of dropped entries are out of scope)`,
    ...st.draws.map(
      (d) =>
        `  draw ${d.draw}: ${d.entries} entries, ${d.inScope} in scope / ${d.outOfScope} out → precision ${pct(d.answerPrecision)} (${d.answers} answers), in-scope accuracy ${pct(d.inScopeAccuracy)}, OOS recall ${pct(d.oosRecall)}`,
    ),
    row("mean", st.mean),
    row("min ", st.min),
  ];
}

/** A conversation file: replayed through the worker's pipeline (local/eval/conversations.ts). */
async function conversationEval(options: EvalOptions): Promise<number> {
  const unsupported = [...options.flags].find((f) => f !== "--json" && f !== "--failures");
  if (unsupported || options.engineKind !== "local" || options.stress) {
    throw new EvalSetupError(
      `conversation files run the local engine only, with --json, --failures and the threshold flags (not ${unsupported ?? "--engine/--subsample"})`,
    );
  }
  const thresholds = loadThresholds(options);
  let loaded: ReturnType<typeof loadConversationFile>;
  try {
    loaded = loadConversationFile(options.path);
  } catch (err) {
    throw new EvalSetupError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  const engine = createLocalEngine(loaded.entries, { thresholds });
  const results = await runConversations(loaded.file, loaded.entries, { engine });
  const metrics = conversationMetrics(results);
  const retrieval = retrievalRecall(engine, results);
  if (options.flags.has("--json")) {
    process.stdout.write(`${JSON.stringify({ thresholds, ...metrics, retrieval, turns: results })}\n`);
    return 0;
  }
  const lines = [
    `Kefu pipeline (local engine) on ${options.path} (${metrics.conversations} conversations, ${metrics.turns} turns; KB ${loaded.file.kb}, ${loaded.entries.length} entries)`,
    `  thresholds         answer ${thresholds.answerThreshold}, margin ${thresholds.marginThreshold}, clarify ${thresholds.clarifyThreshold}, suggest ${thresholds.suggestThreshold}`,
    `  answer precision   ${pct(metrics.answerPrecision)}  (${metrics.answers} answers the bot chose; answers to a clarify pick not counted)`,
    `  containment        ${pct(metrics.containment)}  (${metrics.contained} of ${metrics.containable} conversations expecting no person: no ticket, every FAQ question answered right)`,
    `  FAQ turns right    ${pct(ratio(metrics.answerTurnsRight, metrics.answerTurns))}  (${metrics.answerTurnsRight} of ${metrics.answerTurns}; ${metrics.clarifyHits} through a clarify pick)`,
    `  clarify rate       ${pct(ratio(metrics.clarifies, metrics.turns))}  (${metrics.clarifies} clarifies)`,
    `  retrieval          top-1 ${pct(retrieval.top1)}, top-3 ${pct(retrieval.top3)} on FAQ turns`,
    `  tickets            ${metrics.unexpectedTickets} where none was expected; ${metrics.smalltalkTickets} from small-talk turns`,
    `  latency            p50 ${metrics.p50Ms.toFixed(3)} ms, p99 ${metrics.p99Ms.toFixed(3)} ms per turn (whole pipeline, in-memory stores)`,
    "  per expected kind  (right in full / right kind / turns)",
    ...Object.entries(metrics.perKind)
      .sort(([, a], [, b]) => b.n - a.n)
      .map(
        ([kind, k]) =>
          `    ${kind.padEnd(16)} ${pct(ratio(k.right, k.n)).padStart(6)}  ${pct(ratio(k.kindRight, k.n)).padStart(6)}  ${k.n}`,
      ),
  ];
  if (options.flags.has("--failures")) {
    const failures = failureLines(results);
    lines.push(
      `  first failing turn of each conversation not seen through (${failures.length})`,
      ...failures,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

/** args → inputs → engine run → scores → print; returns the exit code. */
async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (!("path" in options)) {
    process.stderr.write(`${options.problem ? `${options.problem}\n` : ""}${USAGE}\n`);
    return 2;
  }
  try {
    if (options.learn) return await learnEval({ ...options, learn: options.learn });
    if (fileKind(options.path) === "conversations") return await conversationEval(options);
    const { file, thresholds } = loadInputs(options);
    const { run, label, bedrock } = await runSelectedEngine(options, file, thresholds);
    const report = await score(options, file, thresholds, run, bedrock);
    process.stdout.write(
      options.flags.has("--json")
        ? `${JSON.stringify(report)}\n`
        : `${formatReport(report, label, options.path).join("\n")}\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof EvalSetupError)) throw err;
    process.stderr.write(`eval: ${err.message}\n`);
    return 1;
  }
}

/** `--learn [--seed S | --in-order] [--json]` and the threshold flags; nothing else applies. */
function parseLearnOptions(
  flags: Set<string>,
  values: Record<string, string>,
  files: string[],
  thresholdEnv: Record<string, string>,
  unknownFlag: string | undefined,
): EvalOptions | { problem: string | undefined } {
  const other = [...flags].find((f) => !["--learn", "--in-order", "--json"].includes(f));
  const otherValue = Object.keys(values).find((k) => k !== "--seed");
  const seed = Number(values["--seed"] ?? "1");
  const problem =
    (unknownFlag && `unknown option ${unknownFlag}`) ||
    ((other ?? otherValue) &&
      `--learn runs the local engine with --json, --seed or --in-order only (not ${other ?? otherValue})`) ||
    (!Number.isInteger(seed) && "--seed needs an integer") ||
    (flags.has("--in-order") &&
      values["--seed"] !== undefined &&
      "--seed shuffles the stream; --in-order keeps it") ||
    undefined;
  if (files.length !== 1 || problem) return { problem };
  return {
    path: files[0] as string,
    flags,
    thresholdEnv,
    engineKind: "local",
    stress: undefined,
    learn: { seed: flags.has("--in-order") ? null : seed },
  };
}

/** `--learn`: teaches from the first 40% of the stream, scores the last 40% before and after. */
async function learnEval(options: EvalOptions & { learn: { seed: number | null } }): Promise<number> {
  const { file, thresholds } = loadInputs(options);
  const { seed } = options.learn;
  const report = await runLearning(file, { thresholds, ...(seed === null ? { inOrder: true } : { seed }) });
  if (options.flags.has("--json")) {
    process.stdout.write(`${JSON.stringify({ thresholds, ...report })}\n`);
    return 0;
  }
  const t = report.teaching;
  const row = (label: string, m: Metrics) =>
    `  ${label.padEnd(22)} containment ${pct(m.containment).padStart(6)}, answer precision ${pct(m.answerPrecision).padStart(6)} (${m.answers} answers), OOS recall ${pct(m.oosRecall).padStart(6)}`;
  const lines = [
    `Learning loop on ${options.path} (${file.queries.length} queries, ${seed === null ? "in file order" : `shuffled with seed ${seed}`})`,
    `  learning from the first ${t.seen}: ${t.handoffs} hand-offs → ${t.taught} wordings taught as phrasings${t.rejected ? ` (${t.rejected} rejected by the import)` : ""}, ${t.outOfScope} recorded as out of scope`,
    `  scored on the last ${report.before.n} (${report.before.inScope} in scope, ${report.before.outOfScope} out of scope):`,
    row("before teaching", report.before),
    row("after teaching", report.after),
    row(`  + ${t.picks} picks taught`, report.withPicks),
    row("  phrasings only", report.ablation.phrasingsOnly),
    row("  naive (uncapped)", report.ablation.naive),
    `  contained by a three-option pick: ${pct(report.before.clarifyHit)} before, ${pct(report.after.clarifyHit)} after, ${pct(report.withPicks.clarifyHit)} with the picks taught`,
    `  containment ×${(report.before.containment === 0 ? 0 : report.after.containment / report.before.containment).toFixed(2)}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

/** `--subsample F --draws N [--seed S]`: undefined when absent, an error message when malformed. */
export function parseStress(
  values: Record<string, string>,
): { fraction: number; draws: number; seed: number } | undefined | string {
  const has = (k: string) => values[k] !== undefined;
  if (!has("--subsample") && !has("--draws") && !has("--seed")) return undefined;
  const fraction = Number(values["--subsample"]);
  const draws = Number(values["--draws"] ?? "1");
  const seed = Number(values["--seed"] ?? "1");
  if (!has("--subsample") || !(fraction > 0 && fraction <= 1))
    return "--subsample needs a fraction in (0, 1]";
  if (!Number.isInteger(draws) || draws < 1) return "--draws needs a positive integer";
  if (!Number.isInteger(seed)) return "--seed needs an integer";
  return { fraction, draws, seed };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`eval: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
