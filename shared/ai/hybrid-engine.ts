import type { AnswerEngine, Decision, EngineInput, EngineResult } from "../core/engine";
import { type Candidate, type FaqEntry, inLanguageOf } from "../core/faq";
import { decide, pickClarification } from "../core/policy";
import { detectLanguage } from "../core/text";
import type { TextOverrides } from "../core/texts";
import type { PolicyThresholds } from "../core/thresholds";
import {
  entryCoverage,
  entryLinks,
  entryNaming,
  readWithTopic,
  type TopicReading,
} from "../core/understanding/followup";
import { buildScope } from "../core/understanding/scope";
import { checkTriggers, type TriggerConfig } from "../core/understanding/triggers";
import { createExactIndex } from "../kb/exact";
import type { Retriever } from "../kb/retrieval";
import type { Generation, Generator } from "./bedrock-generator";
import { ModelError, type TokenUsage } from "./errors";
import { createHeuristicRewriter, type QueryRewriter } from "./rewrite";

/** Rules that decide before retrieval (a customer asking for a person, abuse…); null when none fires. */
export type TriggerCheck = (
  input: EngineInput,
) => Decision | null | undefined | Promise<Decision | null | undefined>;

/**
 * Turns fused candidates into answer / clarify / hand-off. The same policy as the local engine:
 * `answers: false` is the policy without its answers (what it offers to choose from), `looksInScope`
 * whether the message shares a content word with the knowledge base (the offer's threshold depends on it).
 */
export type Policy = (
  candidates: Candidate[],
  input: EngineInput,
  options?: { answers?: boolean; looksInScope?: boolean },
) => Decision;

export type EngineStage = "rewrite" | "dense" | "generate";

export interface HybridEngineOptions {
  lexical: Retriever;
  /** Bedrock (or local hashing) embeddings; when absent or failing, retrieval is lexical only. */
  dense?: Retriever;
  /** Phrases the answer from the top entries; when absent, the approved answer is sent verbatim. */
  generator?: Generator;
  /**
   * Rewrites a follow-up into a standalone question from the history, for a message that comes without
   * the conversation's topic (`EngineInput.topic`); with one, the message is read with the topic as the
   * local engine reads it (core/understanding/followup.ts readWithTopic). Defaults to the embedded heuristic rewriter.
   */
  rewrite?: QueryRewriter;
  triggers: TriggerCheck;
  policy: Policy;
  entries: FaqEntry[];
  /** Candidates taken from each retriever before fusion. */
  depth?: number;
  /** Entries handed to the generator. */
  generatorEntries?: number;
  /**
   * Retrieval confidence from which the approved FAQ answer is sent verbatim when the model fails;
   * below it a failure hands off with `engine_error`.
   */
  fallbackMinConfidence?: number;
  /** A generated answer the model itself rates below this goes to a person (`low_confidence`). */
  minGeneratedConfidence?: number;
  /** Told about every swallowed failure, for logs and metrics. */
  onError?: (error: unknown, stage: EngineStage) => void;
}

/** The usual constant of reciprocal rank fusion: damps the head so one list cannot dominate. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion of ranked lists (best first), per FAQ entry: an entry's fused rank comes from
 * Σ 1/(k + rank) over the lists it appears in, so agreement between lexical and dense retrieval wins.
 * RRF sums are not probabilities, so each fused candidate keeps the calibrated score (and the matched
 * phrasing) of the signal that was more confident about it; the policy's thresholds keep their meaning.
 */
export function fuseCandidates(lists: Candidate[][], k = RRF_K): Candidate[] {
  const fused = new Map<string, { rrf: number; best: Candidate }>();
  for (const list of lists) {
    const seen = new Set<string>();
    let rank = 0;
    for (const candidate of list) {
      // A retriever that returns one entry twice gets its best rank counted once.
      if (seen.has(candidate.faqId)) continue;
      seen.add(candidate.faqId);
      rank++;
      const current = fused.get(candidate.faqId);
      if (!current) {
        fused.set(candidate.faqId, { rrf: 1 / (k + rank), best: candidate });
      } else {
        current.rrf += 1 / (k + rank);
        if (candidate.score > current.best.score) current.best = candidate;
      }
    }
  }
  return [...fused.values()]
    .sort((a, b) => b.rrf - a.rrf || b.best.score - a.best.score || a.best.faqId.localeCompare(b.best.faqId))
    .map(({ best }) => ({ faqId: best.faqId, score: best.score, matchedQuestion: best.matchedQuestion }));
}

function addUsage(total: TokenUsage | undefined, more: TokenUsage | undefined): TokenUsage | undefined {
  if (!more) return total;
  if (!total) return { ...more };
  return {
    inputTokens: total.inputTokens + more.inputTokens,
    outputTokens: total.outputTokens + more.outputTokens,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The cloud answer engine: triggers → lexical ∥ dense retrieval → RRF → policy, for a message not
 * answered alone once more with the conversation's topic (core/understanding/followup.ts, as the local engine; without
 * a topic, the follow-up rewriter over the history) → LLM phrasing. Every model step can fail without failing the message: dense retrieval degrades to
 * lexical, a failed rewrite to the original text, a failed generation to the approved FAQ answer when
 * retrieval alone is confident and to a hand-off otherwise.
 */
export function createHybridEngine(options: HybridEngineOptions): AnswerEngine {
  const depth = options.depth ?? 10;
  const generatorEntries = options.generatorEntries ?? 3;
  const fallbackMinConfidence = options.fallbackMinConfidence ?? 0.75;
  const minGeneratedConfidence = options.minGeneratedConfidence ?? 0.5;
  const rewriter = options.rewrite ?? createHeuristicRewriter();
  const byId = new Map(options.entries.map((e) => [e.id, e]));
  const report = (error: unknown, stage: EngineStage) => options.onError?.(error, stage);

  const scope = buildScope(options.entries);
  const answerNaming = entryNaming(options.entries);
  const aboutAnswer = entryCoverage(options.entries);
  const sharesWords = entryLinks(options.entries);
  return {
    scope,
    async decide(input: EngineInput): Promise<EngineResult> {
      // Every model call stops when the message's time for deciding is spent; the fallbacks then apply.
      const signal = input.signal ? { signal: input.signal } : {};
      const triggered = await options.triggers(input);
      if (triggered) {
        // A pick of an offered entry answers the question the options were offered for (as the local
        // engine says), so the conversation's topic stays that question, not "2".
        const picksOption =
          triggered.kind === "answer" &&
          input.pendingClarification?.some((option) => triggered.faqIds.includes(option.faqId));
        return {
          decision: triggered,
          candidates: [],
          ...(picksOption && input.topic ? { question: input.topic.question } : {}),
        };
      }

      let usage: TokenUsage | undefined;
      const text = input.text.trim();
      const looksInScope = scope.inScope(text, { afterAnswer: input.topic !== undefined });
      const retrieve = async (query: string): Promise<Candidate[]> => {
        const [lexical, dense] = await Promise.all([
          options.lexical.search(query, depth),
          options.dense
            ? options.dense.search(query, depth, signal).catch((error: unknown) => {
                report(error, "dense");
                return [] as Candidate[];
              })
            : Promise.resolve([] as Candidate[]),
        ]);
        return fuseCandidates([lexical, dense]);
      };
      const read = async (query: string, answers = true): Promise<TopicReading> => {
        const candidates = await retrieve(query);
        return { candidates, decision: options.policy(candidates, input, { answers, looksInScope }) };
      };

      let reading: TopicReading;
      if (input.topic) {
        // The conversation's topic, read as the local engine reads it: one discipline for follow-ups.
        reading = await readWithTopic(text, input.topic, looksInScope, {
          read: (query, { answers }) => read(query, answers),
          offer: (candidates) => options.policy(candidates, input, { answers: false }),
          answerNaming,
          aboutAnswer,
          sharesWords,
        });
      } else {
        let query = input.text;
        try {
          const rewrite = await rewriter.rewrite(input.text, input.history, signal);
          query = rewrite.query;
          usage = addUsage(usage, rewrite.usage);
        } catch (error) {
          report(error, "rewrite");
        }
        reading = await read(query);
        if (query !== input.text) reading.question = query;
      }
      const { decision, candidates } = reading;
      const query = reading.question ?? input.text;
      const done = (d: Decision): EngineResult => ({
        decision: d,
        candidates,
        ...(reading.question ? { question: reading.question } : {}),
        ...(usage ? { usage } : {}),
      });

      if (decision.kind !== "answer" || !options.generator) return done(decision);

      const ids = [...decision.faqIds, ...candidates.map((c) => c.faqId)];
      const entries = [...new Set(ids)]
        .map((id) => byId.get(id))
        .filter((e): e is FaqEntry => e !== undefined)
        .slice(0, Math.max(generatorEntries, decision.faqIds.length));

      let generation: Generation;
      try {
        generation = await options.generator.generate(
          { question: query, history: input.history, entries },
          signal,
        );
      } catch (error) {
        report(error, "generate");
        if (error instanceof ModelError) usage = addUsage(usage, error.usage);
        if (decision.confidence >= fallbackMinConfidence) return done(decision);
        return done({ kind: "handoff", reason: "engine_error", priority: "normal", detail: describe(error) });
      }
      usage = addUsage(usage, generation.usage);

      if (generation.needsHuman) {
        return done(
          generation.humanReason === "guardrail_intervened"
            ? { kind: "handoff", reason: "sensitive_topic", priority: "high", detail: generation.detail }
            : { kind: "handoff", reason: "model_requested", priority: "normal", detail: generation.detail },
        );
      }
      if (generation.confidence < minGeneratedConfidence) {
        return done({
          kind: "handoff",
          reason: "low_confidence",
          priority: "normal",
          detail: `model confidence ${generation.confidence.toFixed(2)}${generation.detail ? `: ${generation.detail}` : ""}`,
        });
      }
      return done({
        kind: "answer",
        text: generation.text,
        faqIds: generation.faqIds,
        // Retrieval's calibrated confidence, not the model's self-report, which is not calibrated.
        confidence: decision.confidence,
      });
    },
  };
}

export interface RulesOptions {
  thresholds?: Partial<PolicyThresholds>;
  triggers?: Partial<TriggerConfig>;
  texts?: TextOverrides;
  defaultLanguage?: "zh" | "en";
}

/**
 * The local engine's rules as the hybrid engine's injected `triggers` and `policy`, so both engines
 * decide alike: a pending clarification answered ("2", "第二个") first, then the hand-off triggers,
 * then a phrasing of the knowledge base typed as it is (answered verbatim, before any model), then the
 * calibrated-threshold policy.
 */
export function rulesFor(
  entries: FaqEntry[],
  options: RulesOptions = {},
): { triggers: TriggerCheck; policy: Policy } {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const entry = (id: string) => byId.get(id);
  const exact = createExactIndex(entries);
  const inLanguage = inLanguageOf(entries);
  return {
    triggers(input) {
      const text = input.text.trim();
      if (input.pendingClarification && input.pendingClarification.length > 0) {
        const picked = pickClarification(text, input.pendingClarification);
        const chosen = picked ? entry(picked.faqId) : undefined;
        if (chosen) return { kind: "answer", text: chosen.answer, faqIds: [chosen.id], confidence: 1 };
      }
      const hit = checkTriggers(text, input.history, options.triggers);
      if (hit) return { kind: "handoff", reason: hit.reason, priority: hit.priority, detail: hit.detail };
      const plain = exact.match(text);
      const covered = plain ? entry(plain.faqId) : undefined;
      return covered ? { kind: "answer", text: covered.answer, faqIds: [covered.id], confidence: 1 } : null;
    },
    policy(candidates, input, { answers = true, looksInScope } = {}) {
      const language = input.language ?? detectLanguage(input.text, options.defaultLanguage ?? "zh");
      const thresholds = answers
        ? options.thresholds
        : { ...options.thresholds, answerThreshold: Number.POSITIVE_INFINITY };
      return decide({
        candidates: inLanguage(candidates, language),
        entry,
        language,
        thresholds,
        ...(looksInScope === undefined ? {} : { looksInScope }),
        texts: options.texts,
      });
    },
  };
}
