/**
 * The learning loop, measured (`npm run eval -- <file> --learn`): the first 40% of the query stream go
 * through the bot; every hand-off of an in-scope query is taught as an agent would teach it from the
 * ticket ("this question is FAQ X"), every out-of-scope hand-off is recorded as out of scope; then the
 * last 40% are scored with the knowledge base as it was and as teaching left it. The 20% between keep
 * the taught wordings and the scored ones apart in time, as in a real stream.
 *
 * Teaching goes through shared/kb/teach.ts: the pending change's row (`changeRow`: the entry with the
 * wording added, or a row of out-of-scope wordings) is validated and parsed by the import's own row
 * validation (`validateRow`) and upserted, as the import of an approved change does; a change the import
 * would reject (an entry already at its phrasing limit) is counted, not applied. The taught knowledge base
 * is then built as the worker builds every version (`withLearnedScope`: its out-of-scope wordings veto).
 *
 * The dev files are grouped by label (banking77: intent by intent, out-of-scope last), so the stream is
 * a seeded shuffle of the file unless `inOrder` says the file is already in arrival order.
 */
import { createLocalEngine, type LocalEngineOptions } from "../../shared/ai/local-engine";
import type { AnswerEngine } from "../../shared/core/engine";
import { answerable, type FaqEntry } from "../../shared/core/faq";
import { FAQ_LIMITS, validateRow } from "../../shared/kb/faq-schema";
import { withLearnedScope } from "../../shared/kb/learned";
import { changeRow, type PendingChange } from "../../shared/kb/teach";
import { seededRandom } from "../random";
import { type EvalFile, toEntries } from "./file";
import { computeMetrics, type Metrics, type Outcome } from "./metrics";
import { runEngine } from "./run";

/** Share of the stream the bot learns from, and share it is scored on (the end of the stream). */
export const TEACH_SHARE = 0.4;
export const SCORE_SHARE = 0.4;

export interface LearnOptions extends LocalEngineOptions {
  /** Seed of the shuffle (ignored with `inOrder`). */
  seed?: number;
  /** The file is a stream in arrival order: replay it as it is. */
  inOrder?: boolean;
}

export interface Teaching {
  /** Queries the bot saw while learning, and how many it handed off. */
  seen: number;
  handoffs: number;
  /** In-scope hand-offs taught as phrasings, and those the import would have rejected. */
  taught: number;
  rejected: number;
  /** Out-of-scope hand-offs recorded as such. */
  outOfScope: number;
  /**
   * Three-option questions the customer answered by picking the entry meant (message M, option N): in the
   * product a suggestion "M means N" for a supervisor to approve. Taught only in `withPicks`.
   */
  picks: number;
}

export interface LearnReport {
  seed: number | null;
  teaching: Teaching;
  /** The last 40% with the knowledge base as it was. */
  before: Metrics;
  /** The same queries after teaching (phrasings and out-of-scope wordings). */
  after: Metrics;
  /** What each part of `after` does, on the same queries. */
  /**
   * `after`, and every pick approved as a phrasing of the entry picked too (what one-click approval of the
   * pick suggestions would add).
   */
  withPicks: Metrics;
  ablation: {
    /** Taught phrasings alone (no out-of-scope veto). */
    phrasingsOnly: Metrics;
    /** Taught phrasings alone, every phrasing of an entry adding to its score (the retriever before the cap). */
    naive: Metrics;
  };
}

/** The stream: the file's queries, shuffled by `seed` unless they are already in arrival order. */
export function queryStream(file: EvalFile, options: { seed?: number; inOrder?: boolean }) {
  const queries = [...file.queries];
  if (options.inOrder) return queries;
  const random = seededRandom(options.seed ?? 1);
  for (let i = queries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [queries[i], queries[j]] = [
      queries[j] as EvalFile["queries"][number],
      queries[i] as EvalFile["queries"][number],
    ];
  }
  return queries;
}

/** Applies one approved change as its import would; false when the import would reject it. */
function applyChange(kb: Map<string, FaqEntry>, change: PendingChange): boolean {
  const current = change.faqId === undefined ? undefined : kb.get(change.faqId);
  if (change.kind === "phrasing" && !current) return false;
  const parsed = validateRow({ row: 1, fields: changeRow(change, current) }, "en");
  if (!("action" in parsed) || parsed.action !== "upsert") return false;
  kb.set(parsed.entry.id, parsed.entry);
  return true;
}

const approved = (id: string, fields: Pick<PendingChange, "kind" | "faqId" | "text">): PendingChange => ({
  id,
  status: "approved",
  author: "eval",
  createdAt: new Date(0).toISOString(),
  ...fields,
});

/** Applies one approved "this question is FAQ X" change as its import would; false when rejected. */
export function teachPhrasing(kb: Map<string, FaqEntry>, faqId: string, text: string, id: string): boolean {
  return applyChange(kb, approved(id, { kind: "phrasing", faqId, text }));
}

/** Applies one approved "out of scope" change as its import would; false when rejected. */
export function teachOutOfScope(kb: Map<string, FaqEntry>, text: string, id: string): boolean {
  return applyChange(kb, approved(id, { kind: "out_of_scope", text }));
}

async function score(engine: AnswerEngine, queries: EvalFile["queries"]): Promise<Metrics> {
  const run = await runEngine({ faq: [], queries }, engine);
  return computeMetrics(run.outcomes as Outcome[]);
}

/** Whether the bot missed a query: handed it off, or offered options without the entry meant. */
export function missed(outcome: Outcome, expected: string | null): boolean {
  // A clarify whose options lack what the customer meant fails, and the customer reaches a person
  // as after a hand-off; one that lists it is answered by the customer's pick.
  const failedClarify =
    outcome.kind === "clarify" && !(expected !== null && outcome.options?.includes(expected));
  return outcome.kind === "handoff" || failedClarify;
}

/**
 * Teaches `queries` as agents would: in-scope ones as phrasings of their entry, out-of-scope ones as
 * out-of-scope wordings (both through the import's validation). Returns the taught knowledge base, its
 * out-of-scope wordings included (`outOfScope` entries).
 */
export function teachAll(entries: FaqEntry[], queries: EvalFile["queries"], teaching: Teaching): FaqEntry[] {
  const kb = new Map(entries.map((e) => [e.id, e]));
  queries.forEach((query, i) => {
    if (query.expected === null) {
      if (teachOutOfScope(kb, query.text, `eval-${i}`)) teaching.outOfScope++;
      else teaching.rejected++;
    } else if (teachPhrasing(kb, query.expected, query.text, `eval-${i}`)) teaching.taught++;
    else teaching.rejected++;
  });
  return [...kb.values()];
}

/** Whether the customer answered a three-option question by picking the entry meant. */
export function picked(outcome: Outcome, expected: string | null): expected is string {
  return outcome.kind === "clarify" && expected !== null && (outcome.options?.includes(expected) ?? false);
}

/** The first 40% of the stream to learn from and the last 40% to score on. */
export function streamParts(file: EvalFile, options: { seed?: number; inOrder?: boolean }) {
  const stream = queryStream(file, options);
  return {
    teachPart: stream.slice(0, Math.floor(stream.length * TEACH_SHARE)),
    scorePart: stream.slice(stream.length - Math.floor(stream.length * SCORE_SHARE)),
  };
}

export async function runLearning(file: EvalFile, options: LearnOptions = {}): Promise<LearnReport> {
  const { seed, inOrder, ...engineOptions } = options;
  const { teachPart, scorePart } = streamParts(file, { seed, inOrder });
  const entries = toEntries(file);
  const bot = createLocalEngine(entries, engineOptions);

  const teaching: Teaching = {
    seen: teachPart.length,
    handoffs: 0,
    taught: 0,
    rejected: 0,
    outOfScope: 0,
    picks: 0,
  };
  const seen = await runEngine({ faq: [], queries: teachPart }, bot);
  const handedOff = teachPart.filter((query, i) => missed(seen.outcomes[i] as Outcome, query.expected));
  teaching.handoffs = handedOff.length;
  const taught = teachAll(entries, handedOff, teaching);
  const taughtEntries = answerable(taught);
  const picks = teachPart.filter((query, i) => picked(seen.outcomes[i] as Outcome, query.expected));
  teaching.picks = picks.length;
  // The picks, approved as phrasings of the entry picked, on top of what the hand-offs taught.
  const withPicks = teachAll(taught, picks, { ...teaching });

  const taughtBot = createLocalEngine(taughtEntries, engineOptions);
  // Built as the worker builds a knowledge-base version: the out-of-scope wordings veto.
  const learned = withLearnedScope(taught, (answers) => createLocalEngine(answers, engineOptions));
  return {
    seed: inOrder ? null : (seed ?? 1),
    teaching,
    before: await score(bot, scorePart),
    after: await score(learned, scorePart),
    withPicks: await score(
      withLearnedScope(withPicks, (answers) => createLocalEngine(answers, engineOptions)),
      scorePart,
    ),
    ablation: {
      phrasingsOnly: await score(taughtBot, scorePart),
      naive: await score(
        createLocalEngine(taughtEntries, {
          ...engineOptions,
          lexical: { ...engineOptions.lexical, maxOtherPhrasings: FAQ_LIMITS.similarQuestions },
        }),
        scorePart,
      ),
    },
  };
}
