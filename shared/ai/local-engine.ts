import type { AnswerEngine, EngineInput, EngineResult } from "../core/engine";
import { type FaqEntry, inLanguageOf } from "../core/faq";
import { decide, pickClarification } from "../core/policy";
import { detectLanguage } from "../core/text";
import type { TextOverrides } from "../core/texts";
import type { PolicyThresholds } from "../core/thresholds";
import { entryCoverage, entryLinks, entryNaming, readWithTopic } from "../core/understanding/followup";
import { buildScope } from "../core/understanding/scope";
import { checkTriggers, type TriggerConfig } from "../core/understanding/triggers";
import { createExactIndex } from "../kb/exact";
import { createLexicalRetriever, type LexicalOptions, type LexicalRetriever } from "../kb/lexical";

export interface LocalEngineOptions {
  thresholds?: Partial<PolicyThresholds>;
  triggers?: Partial<TriggerConfig>;
  lexical?: LexicalOptions;
  texts?: TextOverrides;
  /** Language for replies when neither the channel nor the text tells (e.g. "12345"). */
  defaultLanguage?: "zh" | "en";
  /** Candidates kept for the decision and on tickets. */
  topK?: number;
}

export interface LocalEngine extends AnswerEngine {
  readonly retriever: LexicalRetriever;
}

/**
 * The embedded default engine: pending clarification → hand-off triggers → a phrasing of the KB typed
 * as it is (exact.ts) → lexical retrieval → policy, and for a message the policy does not answer, the
 * same once more with the conversation's topic (core/understanding/followup.ts readWithTopic, shared with the hybrid
 * engine).
 * Answers are the FAQ entry's approved text, verbatim; nothing is generated.
 */
export function createLocalEngine(entries: FaqEntry[], options: LocalEngineOptions = {}): LocalEngine {
  const retriever = createLexicalRetriever(entries, options.lexical);
  const exact = createExactIndex(entries);
  const byId = new Map(entries.map((e) => [e.id, e]));
  const entry = (id: string) => byId.get(id);
  const topK = options.topK ?? 5;
  const scope = buildScope(entries);
  const answerNaming = entryNaming(entries);
  const aboutAnswer = entryCoverage(entries);
  const inLanguage = inLanguageOf(entries);
  const sharesWords = entryLinks(entries);
  // The policy without its answers: what it offers to choose from.
  const noAnswer = { ...options.thresholds, answerThreshold: Number.POSITIVE_INFINITY };

  async function decideOne(input: EngineInput): Promise<EngineResult> {
    const text = input.text.trim();
    const language = input.language ?? detectLanguage(text, options.defaultLanguage ?? "zh");
    if (input.pendingClarification && input.pendingClarification.length > 0) {
      const picked = pickClarification(text, input.pendingClarification);
      const chosen = picked ? entry(picked.faqId) : undefined;
      if (chosen) {
        return {
          decision: { kind: "answer", text: chosen.answer, faqIds: [chosen.id], confidence: 1 },
          candidates: [{ faqId: chosen.id, score: 1, matchedQuestion: chosen.question }],
          // The pick answers the question the options were offered for.
          ...(input.topic ? { question: input.topic.question } : {}),
        };
      }
    }
    const trigger = checkTriggers(text, input.history, options.triggers);
    if (trigger) {
      return {
        decision: {
          kind: "handoff",
          reason: trigger.reason,
          priority: trigger.priority,
          detail: trigger.detail,
        },
        candidates: [],
      };
    }
    const plain = exact.match(text);
    const covered = plain ? entry(plain.faqId) : undefined;
    if (plain && covered) {
      return {
        decision: { kind: "answer", text: covered.answer, faqIds: [covered.id], confidence: 1 },
        candidates: [{ faqId: covered.id, score: 1, matchedQuestion: plain.phrasing }],
      };
    }
    const looksInScope = scope.inScope(text, { afterAnswer: input.topic !== undefined });
    return readWithTopic(text, input.topic, looksInScope, {
      read(query, { answers }) {
        const candidates = inLanguage(
          retriever
            .rank(query, topK)
            .map(({ faqId, score, matchedQuestion }) => ({ faqId, score, matchedQuestion })),
          language,
        );
        const thresholds = answers ? options.thresholds : noAnswer;
        const decision = decide({
          candidates,
          entry,
          language,
          thresholds,
          looksInScope,
          texts: options.texts,
        });
        return { decision, candidates };
      },
      offer: (candidates) =>
        decide({ candidates, entry, language, thresholds: noAnswer, texts: options.texts }),
      answerNaming,
      aboutAnswer,
      sharesWords,
    });
  }

  return {
    retriever,
    scope,
    decide: decideOne,
  };
}
