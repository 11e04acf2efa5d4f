/**
 * Measures the answering engine on a `{faq, queries}` file:
 *   npm run eval -- <file.json> [--json] [--compare-minisearch] [--tune]
 *     [--answer-threshold X] [--margin-threshold X] [--clarify-threshold X]
 *     [--subsample F --draws N [--seed S]]
 * The stress mode (`--subsample`) also runs N knowledge bases built from a random fraction F of the
 * entries, the dropped entries' queries becoming out of scope (see `subsampleFile`).
 * Thresholds default to KEFU_ANSWER_THRESHOLD / KEFU_MARGIN_THRESHOLD / KEFU_CLARIFY_THRESHOLD, then to
 * the calibrated defaults, exactly as in the worker.
 * Every query goes through createLocalEngine, the same code the worker uses, with an empty history.
 *
 * Counting: an "answer" is right when its entry is the expected one. A "clarify" is not an answer: it
 * is neither right nor wrong for precision, it does not count as contained, and for an out-of-scope query
 * it is not a hand-off (so it lowers OOS recall). In-scope clarifies whose options include the expected
 * entry are reported separately (`clarifyHit`).
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import MiniSearch from "minisearch";
import { z } from "zod";
import { createLocalEngine, type LocalEngineOptions } from "../../shared/ai/local-engine";
import { decide } from "../../shared/core/policy";
import { type PolicyThresholds, thresholdsFromEnv } from "../../shared/kb/thresholds";
import { detectLanguage, isHan } from "../../shared/kb/tokenize";
import type { Candidate, FaqEntry } from "../../shared/kb/types";

const EvalFileSchema = z.object({
  faq: z
    .array(
      z.object({
        id: z.string().min(1),
        questions: z.array(z.string()).min(1),
        answer: z.string(),
      }),
    )
    .min(1),
  queries: z.array(z.object({ text: z.string(), expected: z.string().nullable() })),
});
export type EvalFile = z.infer<typeof EvalFileSchema>;

export class EvalFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EvalFileError";
  }
}

export function loadEvalFile(path: string): EvalFile {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (cause) {
    throw new EvalFileError(`cannot read ${path}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new EvalFileError(`${path} is not valid JSON`, { cause });
  }
  const parsed = EvalFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EvalFileError(
      `${path} is not a {faq, queries} file: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
      { cause: parsed.error },
    );
  }
  const ids = new Set(parsed.data.faq.map((e) => e.id));
  const unknown = parsed.data.queries.find((q) => q.expected !== null && !ids.has(q.expected));
  if (unknown)
    throw new EvalFileError(`${path}: query "${unknown.text}" expects unknown entry "${unknown.expected}"`);
  return parsed.data;
}

/** questions[0] is the question, the rest are similar questions. */
export function toEntries(file: EvalFile): FaqEntry[] {
  return file.faq.map((e) => ({
    id: e.id,
    question: e.questions[0] as string,
    similarQuestions: e.questions.slice(1),
    answer: e.answer,
  }));
}

export interface Outcome {
  expected: string | null;
  kind: "answer" | "clarify" | "handoff";
  /** The answered entry, for answers. */
  faqId?: string;
  /** Clarify options, for clarifies. */
  options?: string[];
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
  };
}

export interface KefuRun {
  outcomes: Outcome[];
  /** Rank-1 candidate (faqId, calibrated score) per query, for threshold sweeps; undefined after a trigger. */
  top: ({ faqId: string; score: number } | undefined)[];
  candidates: Candidate[][];
}

export async function runKefu(file: EvalFile, options: LocalEngineOptions = {}): Promise<KefuRun> {
  const engine = createLocalEngine(toEntries(file), options);
  const outcomes: Outcome[] = [];
  const top: KefuRun["top"] = [];
  const candidates: Candidate[][] = [];
  // Warm-up (JIT, ICU segmenter data) so latency reflects a warm Lambda, not the first call.
  for (const q of file.queries.slice(0, 50)) await engine.decide({ text: q.text, history: [] });
  for (const q of file.queries) {
    const t0 = performance.now();
    const { decision, candidates: cands } = await engine.decide({ text: q.text, history: [] });
    const ms = performance.now() - t0;
    const o: Outcome = { expected: q.expected, kind: decision.kind, ms };
    if (decision.kind === "answer") o.faqId = decision.faqIds[0];
    if (decision.kind === "clarify") o.options = decision.options.map((x) => x.faqId);
    outcomes.push(o);
    top.push(cands[0] ? { faqId: cands[0].faqId, score: cands[0].score } : undefined);
    candidates.push(cands);
  }
  return { outcomes, top, candidates };
}

/**
 * MiniSearch "used the obvious way": one document per phrasing, default options (BM25+, OR of terms,
 * default tokenizer and no stemming), top hit's entry, answered when its score ≥ a threshold. Its default
 * tokenizer splits on spaces and punctuation, so a Chinese sentence would be one token: for text with
 * Han characters each Han character is a token (non-Han runs still split the default way).
 */
export function runMiniSearch(file: EvalFile): { faqId: string; score: number }[] {
  const zh = file.faq.some((e) => e.questions.some((q) => detectLanguage(q) === "zh"));
  const charTokenize = (text: string): string[] =>
    (
      text.match(
        /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\s\p{P}\p{S}\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/gu,
      ) ?? []
    ).filter((t) => t !== "");
  const ms = new MiniSearch<{ id: number; text: string; faq: string }>({
    fields: ["text"],
    storeFields: ["faq"],
    ...(zh ? { tokenize: charTokenize } : {}),
  });
  const docs: { id: number; text: string; faq: string }[] = [];
  for (const e of file.faq) for (const q of e.questions) docs.push({ id: docs.length, text: q, faq: e.id });
  ms.addAll(docs);
  return file.queries.map((q) => {
    const hit = ms.search(q.text)[0];
    return hit ? { faqId: hit.faq as string, score: hit.score } : { faqId: "", score: 0 };
  });
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
    });
    const o: Outcome = { expected: q.expected, kind: d.kind, ms: prior.ms };
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

/** mulberry32: a tiny seeded PRNG, so a stress run is reproducible from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

const THRESHOLD_FLAGS: Record<string, string> = {
  "--answer-threshold": "KEFU_ANSWER_THRESHOLD",
  "--margin-threshold": "KEFU_MARGIN_THRESHOLD",
  "--clarify-threshold": "KEFU_CLARIFY_THRESHOLD",
};

/** Options that take a value (besides the thresholds). */
const VALUE_FLAGS = new Set(["--subsample", "--draws", "--seed"]);

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

async function main(argv: string[]): Promise<number> {
  const { flags, env: thresholdEnv, values, files } = parseArgs(argv);
  const known = new Set(["--json", "--compare-minisearch", "--tune"]);
  const unknownFlag = [...flags].find((f) => !known.has(f));
  const stress = parseStress(values);
  if (files.length !== 1 || unknownFlag || typeof stress === "string") {
    process.stderr.write(
      `${unknownFlag ? `unknown option ${unknownFlag}\n` : ""}${typeof stress === "string" ? `${stress}\n` : ""}usage: npm run eval -- <file.json> [--json] [--compare-minisearch] [--tune] [--answer-threshold X] [--margin-threshold X] [--clarify-threshold X] [--subsample F --draws N [--seed S]]\n`,
    );
    return 2;
  }
  let file: EvalFile;
  let thresholds: PolicyThresholds;
  try {
    thresholds = thresholdsFromEnv({ ...process.env, ...thresholdEnv });
    file = loadEvalFile(files[0] as string);
  } catch (err) {
    process.stderr.write(`eval: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const run = await runKefu(file, { thresholds });
  const metrics = computeMetrics(run.outcomes);
  const report: Record<string, unknown> = { ...metrics, thresholds };

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
    `Kefu local engine on ${files[0]} (${metrics.n} queries: ${metrics.inScope} in scope, ${metrics.outOfScope} out of scope)`,
    `  thresholds         answer ${thresholds.answerThreshold}, margin ${thresholds.marginThreshold}, clarify ${thresholds.clarifyThreshold}`,
    `  in-scope accuracy  ${pct(metrics.inScopeAccuracy)}`,
    `  OOS recall         ${pct(metrics.oosRecall)}`,
    `  answer precision   ${pct(metrics.answerPrecision)}  (${metrics.answers} answers)`,
    `  containment        ${pct(metrics.containment)}`,
    `  hand-off rate      ${pct(metrics.handoffRate)}`,
    `  clarify rate       ${pct(metrics.clarifyRate)}  (in-scope clarify listing the expected entry: ${pct(metrics.clarifyHit)})`,
    `  latency            p50 ${metrics.p50Ms.toFixed(3)} ms, p99 ${metrics.p99Ms.toFixed(3)} ms`,
  ];
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
