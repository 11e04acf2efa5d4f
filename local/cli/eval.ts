/**
 * Measures the answering engine on a `{faq, queries}` file:
 *   npm run eval -- <file.json> [--json] [--compare-minisearch] [--tune]
 *     [--answer-threshold X] [--margin-threshold X] [--clarify-threshold X]
 *     [--subsample F --draws N [--seed S]] [--engine local|bedrock [--retrieval-only]]
 * The stress mode (`--subsample`) also runs N knowledge bases built from a random fraction F of the
 * entries, the dropped entries' queries becoming out of scope (see `subsampleFile`).
 * Thresholds default to KEFU_ANSWER_THRESHOLD / KEFU_MARGIN_THRESHOLD / KEFU_CLARIFY_THRESHOLD, then to
 * the calibrated defaults, exactly as in the worker.
 * Every query goes through the engine the worker builds (the embedded one by default; the Bedrock one
 * with `--engine bedrock`, configured by the same KEFU_* variables), with an empty history.
 * The library behind it lives in `local/eval/`; this file parses arguments and prints.
 *
 * Counting: an "answer" is right when its entry is the expected one. A "clarify" is not an answer: it
 * is neither right nor wrong for precision, it does not count as contained, and for an out-of-scope query
 * it is not a hand-off (so it lowers OOS recall). In-scope clarifies whose options include the expected
 * entry are reported separately (`clarifyHit`).
 */
import { pathToFileURL } from "node:url";
import { thresholdsFromEnv } from "../../shared/config/thresholds";
import { isHan } from "../../shared/core/text";
import type { PolicyThresholds } from "../../shared/core/thresholds";
import { shellEnv } from "../env";
import { createBedrockEvalEngine } from "../eval/bedrock";
import { type EvalFile, loadEvalFile, toEntries } from "../eval/file";
import { atInScopeAccuracy, atOosRecall, computeMetrics, type SweepPoint } from "../eval/metrics";
import { runMiniSearch } from "../eval/minisearch";
import { crossValidate, type EngineRun, runEngine, runKefu } from "../eval/run";
import { runStress, type StressSummary } from "../eval/stress";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

const THRESHOLD_FLAGS: Record<string, string> = {
  "--answer-threshold": "KEFU_ANSWER_THRESHOLD",
  "--margin-threshold": "KEFU_MARGIN_THRESHOLD",
  "--clarify-threshold": "KEFU_CLARIFY_THRESHOLD",
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
  "usage: npm run eval -- <file.json> [--json] [--compare-minisearch] [--tune] [--answer-threshold X] [--margin-threshold X] [--clarify-threshold X] [--subsample F --draws N [--seed S]] [--engine local|bedrock [--retrieval-only]]";

async function main(argv: string[]): Promise<number> {
  const { flags, env: thresholdEnv, values, files } = parseArgs(argv);
  const known = new Set(["--json", "--compare-minisearch", "--tune", "--retrieval-only"]);
  const unknownFlag = [...flags].find((f) => !known.has(f));
  const stress = parseStress(values);
  const engineKind = values["--engine"] ?? "local";
  const problem =
    (unknownFlag && `unknown option ${unknownFlag}`) ||
    (typeof stress === "string" && stress) ||
    (engineKind !== "local" && engineKind !== "bedrock" && "--engine needs local or bedrock") ||
    (engineKind === "local" && flags.has("--retrieval-only") && "--retrieval-only is for --engine bedrock") ||
    (engineKind === "bedrock" && stress && "--subsample runs the local engine only") ||
    undefined;
  if (files.length !== 1 || problem || typeof stress === "string") {
    process.stderr.write(`${problem ? `${problem}\n` : ""}${USAGE}\n`);
    return 2;
  }
  let file: EvalFile;
  let thresholds: PolicyThresholds;
  try {
    thresholds = thresholdsFromEnv({ ...shellEnv(), ...thresholdEnv });
    file = loadEvalFile(files[0] as string);
  } catch (err) {
    process.stderr.write(`eval: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  let run: EngineRun;
  let engineLabel = "Kefu local engine";
  const report: Record<string, unknown> = {};
  if (engineKind === "bedrock") {
    const generate = !flags.has("--retrieval-only");
    let bedrock: Awaited<ReturnType<typeof createBedrockEvalEngine>>;
    try {
      bedrock = await createBedrockEvalEngine(toEntries(file), { env: shellEnv(), thresholds, generate });
    } catch (err) {
      process.stderr.write(`eval: Bedrock engine: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
    // A few decisions at a time: each is a network round trip, and Bedrock throttles bursts.
    run = await runEngine(file, bedrock.engine, { concurrency: 4 });
    engineLabel = `Kefu Bedrock engine (${bedrock.embeddingModel}${bedrock.answerModel ? `, ${bedrock.answerModel}` : ", retrieval only"})`;
    report.bedrock = {
      embeddingModel: bedrock.embeddingModel,
      answerModel: bedrock.answerModel ?? null,
      embedded: bedrock.embedded,
      errors: bedrock.errors,
      usage: run.usage,
    };
  } else {
    run = await runKefu(file, { thresholds });
  }
  const metrics = computeMetrics(run.outcomes);
  Object.assign(report, metrics, { thresholds });

  if (flags.has("--compare-minisearch")) {
    const ms = runMiniSearch(file);
    const msAtKefuRecall = atOosRecall(file, ms, metrics.oosRecall);
    const msAtKefuAccuracy = atInScopeAccuracy(file, ms, metrics.inScopeAccuracy);
    const curve = [0.5, 0.7, 0.9].map((r) => ({
      oosRecall: r,
      kefu: atOosRecall(file, run.top, r),
      minisearch: atOosRecall(file, ms, r),
    }));
    report.minisearch = {
      atKefuOosRecall: msAtKefuRecall,
      atKefuInScopeAccuracy: msAtKefuAccuracy ?? null,
      curve,
      tokenizer: file.faq.some((e) => e.questions.some((q) => [...q].some(isHan)))
        ? "one token per Han character, default split otherwise"
        : "MiniSearch default",
    };
  }
  if (flags.has("--tune")) report.crossValidation = crossValidate(file, run);
  if (stress)
    report.stress = await runStress(file, stress.fraction, stress.draws, stress.seed, { thresholds });

  if (flags.has("--json")) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  const lines = [
    `${engineLabel} on ${files[0]} (${metrics.n} queries: ${metrics.inScope} in scope, ${metrics.outOfScope} out of scope)`,
    `  thresholds         answer ${thresholds.answerThreshold}, margin ${thresholds.marginThreshold}, clarify ${thresholds.clarifyThreshold}`,
    `  in-scope accuracy  ${pct(metrics.inScopeAccuracy)}`,
    `  OOS recall         ${pct(metrics.oosRecall)}`,
    `  answer precision   ${pct(metrics.answerPrecision)}  (${metrics.answers} answers)`,
    `  containment        ${pct(metrics.containment)}`,
    `  hand-off rate      ${pct(metrics.handoffRate)}`,
    `  clarify rate       ${pct(metrics.clarifyRate)}  (in-scope clarify listing the expected entry: ${pct(metrics.clarifyHit)})`,
    `  latency            p50 ${metrics.p50Ms.toFixed(3)} ms, p99 ${metrics.p99Ms.toFixed(3)} ms`,
  ];
  const bedrockReport = report.bedrock as
    | { embedded: number; errors: Record<string, number>; usage: EngineRun["usage"] }
    | undefined;
  if (bedrockReport) {
    const failed = Object.entries(bedrockReport.errors).filter(([, n]) => n > 0);
    lines.push(
      `  Bedrock            ${bedrockReport.embedded} phrasings embedded; ${bedrockReport.usage.inputTokens} input + ${bedrockReport.usage.outputTokens} output tokens`,
      `  model failures     ${failed.length === 0 ? "none" : failed.map(([stage, n]) => `${stage} ${n}`).join(", ")}${failed.length > 0 ? " (fell back: these figures are not the models')" : ""}`,
    );
  }
  const msReport = report.minisearch as
    | {
        atKefuOosRecall: SweepPoint;
        atKefuInScopeAccuracy: SweepPoint | null;
        curve: { oosRecall: number; kefu: SweepPoint; minisearch: SweepPoint }[];
        tokenizer: string;
      }
    | undefined;
  if (msReport) {
    const a = msReport.atKefuOosRecall;
    lines.push(
      `MiniSearch baseline (top hit over phrasings, score threshold; tokenizer: ${msReport.tokenizer})`,
      `  at Kefu's OOS recall ${pct(metrics.oosRecall)}: in-scope accuracy ${pct(a.inScopeAccuracy)}, precision ${pct(a.answerPrecision)} (threshold ${a.threshold.toFixed(3)}, OOS recall ${pct(a.oosRecall)})`,
      msReport.atKefuInScopeAccuracy
        ? `  at Kefu's in-scope accuracy ${pct(metrics.inScopeAccuracy)}: OOS recall ${pct(msReport.atKefuInScopeAccuracy.oosRecall)}, precision ${pct(msReport.atKefuInScopeAccuracy.answerPrecision)}`
        : `  never reaches Kefu's in-scope accuracy ${pct(metrics.inScopeAccuracy)}`,
      "  threshold on the top score only (no margin, no clarify), in-scope accuracy Kefu / MiniSearch:",
      ...msReport.curve.map(
        (c) =>
          `    OOS recall ≥ ${pct(c.oosRecall)}: ${pct(c.kefu.inScopeAccuracy)} / ${pct(c.minisearch.inScopeAccuracy)}  (precision ${pct(c.kefu.answerPrecision)} / ${pct(c.minisearch.answerPrecision)})`,
      ),
    );
  }
  const cv = report.crossValidation as ReturnType<typeof crossValidate> | undefined;
  if (cv) {
    lines.push("Two-fold threshold tuning (max containment at ≥ 90% precision), held-out half:");
    for (const f of cv) {
      lines.push(
        `  tuned on ${f.tunedOn}: answer ${f.thresholds.answerThreshold}, margin ${f.thresholds.marginThreshold} → held-out precision ${pct(f.heldOut.answerPrecision)}, containment ${pct(f.heldOut.containment)}, OOS recall ${pct(f.heldOut.oosRecall)}`,
      );
    }
  }
  const st = report.stress as StressSummary | undefined;
  if (st) {
    const row = (label: string, m: StressSummary["mean"]) =>
      `  ${label}  precision ${pct(m.answerPrecision)}, in-scope accuracy ${pct(m.inScopeAccuracy)}, OOS recall ${pct(m.oosRecall)}`;
    lines.push(
      `Stress: ${st.draws.length} knowledge bases of ${st.fraction} of the entries (seed ${st.seed}; queries of dropped entries are out of scope)`,
      ...st.draws.map(
        (d) =>
          `  draw ${d.draw}: ${d.entries} entries, ${d.inScope} in scope / ${d.outOfScope} out → precision ${pct(d.answerPrecision)} (${d.answers} answers), in-scope accuracy ${pct(d.inScopeAccuracy)}, OOS recall ${pct(d.oosRecall)}`,
      ),
      row("mean", st.mean),
      row("min ", st.min),
    );
  }
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
