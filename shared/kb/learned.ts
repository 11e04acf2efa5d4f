import type { AnswerEngine, EngineResult } from "../core/engine";
import { answerable, type FaqEntry, phrasings } from "../core/faq";
import { createLexicalRetriever } from "./lexical";

/**
 * What the bot learns from hand-offs besides new phrasings: the wordings agents marked as out of scope
 * ("not something the FAQ answers"). Taught phrasings make entries reach further; near an out-of-scope
 * wording that reach is wrong, so an answer is withheld when the customer's message is near a recorded
 * out-of-scope wording (NEAR_OUT_OF_SCOPE) and at least as close to it as to any phrasing of the entry
 * about to be answered.
 *
 * The wordings come from approved "out of scope" changes (shared/kb/teach.ts): each is imported as an
 * out-of-scope row of the knowledge base (`outOfScope` entries), so it is versioned, snapshotted and
 * restored with the entries, and every engine built for a version gets the veto (`withLearnedScope`).
 *
 * Measured with `npm run eval -- <file> --learn` (local/eval/learn.ts, seeds 1–5), which teaches through
 * the same changes and `withLearnedScope`: on banking77 it raises answer precision after teaching by
 * 3.2–5.3 points (85.5 → 90.8% on seed 1) for 0.8–1.5 points of containment; on zh_smp2017, where
 * precision after teaching is already ≥ 93%, it changes next to nothing.
 *
 * Similarities are the lexical retriever's normalised BM25 (a cosine-like [0, ~1] measure), compared raw:
 * both sides are the same kind of text (customer wordings), so no calibration is needed between them.
 */

/** The pseudo-entry holding the out-of-scope wordings inside the comparison index (never answered). */
const OUT_OF_SCOPE = "\u0000out-of-scope";

/**
 * How close a message must be to an out-of-scope wording for the veto to consider it: about half of the
 * two texts in common. Below that the "nearest" wording only shares a word or two, which says nothing
 * about scope: on zh_smp2017 such matches (a character or two shared with chit-chat, on short questions)
 * withheld 1–6 points of right answers per seed for no precision; on banking77 the floor changes
 * nothing but seed 3 (+0.5 point of containment, +0.2 of precision). 0.4 kept half of the zh loss.
 */
export const NEAR_OUT_OF_SCOPE = 0.5;

export interface NegativeVeto {
  /**
   * True when `text` is near an out-of-scope wording (NEAR_OUT_OF_SCOPE) and at least as close to it as
   * to any phrasing of `faqId`.
   */
  vetoes(text: string, faqId: string): boolean;
  /** True when `text` is near an out-of-scope wording and at least as close to it as to any entry. */
  outOfScope(text: string): boolean;
  readonly negatives: number;
}

export function createNegativeVeto(entries: FaqEntry[], negatives: string[]): NegativeVeto {
  const kept = [...new Set(negatives.map((n) => n.trim()).filter((n) => n !== ""))];
  if (kept.length === 0) return { vetoes: () => false, outOfScope: () => false, negatives: 0 };
  const index = createLexicalRetriever(
    [
      ...entries,
      { id: OUT_OF_SCOPE, question: kept[0] as string, similarQuestions: kept.slice(1), answer: "" },
    ],
    // Best phrasing only (no aggregate bonus, no KB adjustment): a nearest-neighbour comparison.
    { secondPhrasingBonus: 0, selfCheckSample: 0 },
  );
  const all = entries.length + 1;
  return {
    negatives: kept.length,
    vetoes(text, faqId) {
      const ranked = index.rank(text, all);
      const negative = ranked.find((c) => c.faqId === OUT_OF_SCOPE)?.similarity ?? 0;
      if (negative < NEAR_OUT_OF_SCOPE) return false;
      const own = ranked.find((c) => c.faqId === faqId)?.similarity ?? 0;
      return negative >= own;
    },
    outOfScope(text) {
      const [nearest] = index.rank(text, 1);
      return nearest?.faqId === OUT_OF_SCOPE && nearest.similarity >= NEAR_OUT_OF_SCOPE;
    },
  };
}

/**
 * The engine with the veto in front of its answers: a vetoed answer becomes a low-confidence hand-off,
 * and the engine's scope calls such a message off-topic, so the pipeline says what the bot can help with
 * (and offers a person the second time) as for any off-topic message, instead of opening a ticket.
 */
export function withNegativeVeto(engine: AnswerEngine, veto: NegativeVeto): AnswerEngine {
  if (veto.negatives === 0) return engine;
  const scope = engine.scope;
  return {
    ...engine,
    ...(scope
      ? {
          scope: {
            topics: (language, max) => scope.topics(language, max),
            inScope: (text, context) => !veto.outOfScope(text) && scope.inScope(text, context),
          },
        }
      : {}),
    async decide(input): Promise<EngineResult> {
      const result = await engine.decide(input);
      const { decision } = result;
      // A clarify pick (pending clarification) is the customer's own choice: never second-guessed.
      if (decision.kind !== "answer" || input.pendingClarification?.length) return result;
      const faqId = decision.faqIds[0];
      if (faqId === undefined || !veto.vetoes(input.text, faqId)) return result;
      return {
        ...result,
        decision: {
          kind: "handoff",
          reason: "low_confidence",
          priority: "normal",
          detail: `near_out_of_scope=${faqId}`,
        },
      };
    },
  };
}

/**
 * The engine for one version of the knowledge base: built from the entries it may answer from, with the
 * version's out-of-scope wordings as its veto. The worker and the eval's `--learn` build through this.
 */
export function withLearnedScope<T extends FaqEntry>(
  entries: T[],
  build: (answerable: T[]) => AnswerEngine,
): AnswerEngine {
  const answers = answerable(entries);
  const negatives = entries.filter((e) => e.outOfScope).flatMap(phrasings);
  return withNegativeVeto(build(answers), createNegativeVeto(answers, negatives));
}
