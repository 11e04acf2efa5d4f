import { createHash } from "node:crypto";
import type { UnansweredTopic } from "../core/analytics/report";
import { redact } from "../core/redact";
import type { Ticket } from "../core/ticket";
import { questionKey } from "./exact";
import type { Embedder, Retriever } from "./retrieval";
import { tokenize } from "./tokenize";

/**
 * Suggestions: what customers keep asking that the bot could not answer, grouped so a supervisor can
 * teach it once per topic instead of once per ticket. Each suggestion has a representative question,
 * how often it was asked, a few example wordings (masked) and the FAQ entries it is closest to.
 *
 * Computed on demand rather than stored: the input is the recent hand-offs (bounded by the caller),
 * clustering a thousand lexical vectors takes milliseconds, and a computed list is never stale after a
 * teach or an import. What a supervisor decides (a pending change, a dismissal) is what gets stored.
 *
 * Clustering is deterministic: questions in arrival order, each joining the cluster whose members it is
 * most similar to on average (average linkage), or starting a new one below the threshold. Similarity
 * is the cosine of TF-IDF vectors over the retriever's own terms locally (`lexicalVectors`), or of
 * embeddings through the Embedder port in AWS (`embeddedVectors`).
 */

export type UnansweredReason = "low_confidence" | "failed_clarify" | "dissatisfied";

export interface UnansweredQuestion {
  /** The customer's wording, already redacted (masked again before it is shown). */
  text: string;
  reason: UnansweredReason;
  at: string;
  ticketId?: string;
}

export interface ClosestEntry {
  faqId: string;
  score: number;
  matchedQuestion: string;
}

export interface LearningSuggestion {
  /** Stable while the representative question stays the same (a pick suggestion: its entry). */
  id: string;
  representative: string;
  count: number;
  /** Why the questions are here: hand-offs by reason, or customers' clarify picks (shared/kb/picks.ts). */
  reasons: Partial<Record<UnansweredReason | "picked", number>>;
  /** Up to `maxExamples` distinct wordings, masked, the representative first. */
  examples: string[];
  closest: ClosestEntry[];
  ticketIds: string[];
  firstAt: string;
  lastAt: string;
  /**
   * A suggestion made of clarify picks: the entry customers picked for these wordings, and how often
   * they picked other entries for the same wordings.
   */
  picked?: { faqId: string; question: string; others: { faqId: string; count: number }[] };
}

/**
 * What an example wording is told apart by: its masked text as the exact index compares it, so "…card"
 * and "…card?" are one wording. A decision on an example (its key) is a decision on all of its variants.
 */
export function wordingKey(wording: string): string {
  const masked = redact(wording);
  return questionKey(masked) || masked;
}

/** Why a hand-off reason means "the bot did not know" (others are a person asked for, or a rule). */
const REASON_OF: Partial<Record<Ticket["reason"], UnansweredReason>> = {
  low_confidence: "low_confidence",
  repeated_failure: "failed_clarify",
  negative_sentiment: "dissatisfied",
};

/**
 * Starts the desk event (`system` turn) a supervisor's decision on a suggestion leaves on each of its
 * tickets: the ticket's question is handled (taught or dismissed) and leaves the suggestions.
 */
export const SUGGESTION_HANDLED = "[suggestion]";

/**
 * A message that asks something: a question word (什么时候, 怎么, 多久, 能不能…吗, how, when, "can I…"),
 * not a question mark alone — "凭什么？？？" and "are you kidding me?" are anger, not questions.
 */
const ZH_ASKS =
  /怎么|怎样|如何|多久|多长时间|多少|什么时候|何时|几[天号点个次]|哪[里儿个些天]|为什么|为啥|是否|有没有|能不能|可不可以|可以.{0,8}吗|会不会|要不要|[^么]吗[?？]?$|吗[?？,，。!！]/;
const EN_ASKS =
  /\b(how|when|where|what|which|why)\b(?! (the hell|the heck|a joke))|(^|[.!?,;]\s*)(can|could|will|would|do|does|did|is|are|should)\s+(i|you|we|it|my|the|your|there)\b/;
export function asksSomething(text: string): boolean {
  const norm = text.normalize("NFKC").toLowerCase();
  return ZH_ASKS.test(norm) || EN_ASKS.test(norm);
}

/**
 * Does the ticket's question belong with what the bot did not know? A hand-off for anger was not a
 * failure to answer: it counts only when the customer also asked something ("气死了，到底什么时候发货？"),
 * which the knowledge base may answer; an outburst without a question ("破东西垃圾，气死我了！！！") does not.
 */
function unanswered(ticket: Ticket, question: string): boolean {
  return ticket.reason !== "negative_sentiment" || asksSomething(question);
}

const handled = (ticket: Ticket) =>
  ticket.transcript.some((t) => t.role === "system" && t.text.startsWith(SUGGESTION_HANDLED));

/**
 * Why the bot did not know, if the ticket says it did not: its reason, or entries the customer rejected
 * before they accepted a person ("都不是", then "是的"): a clarify that failed.
 */
function unansweredReason(ticket: Ticket): UnansweredReason | undefined {
  return (
    REASON_OF[ticket.reason] ??
    (ticket.candidates.some((c) => c.rejectedByCustomer) ? "failed_clarify" : undefined)
  );
}

/**
 * The question behind each ticket the bot handed off for not knowing: the ticket's question when it
 * keeps one (the message that opened it was a "yes" to a person), else its last customer turn then
 * (for a hand-off for anger, only one that asks something).
 * Tickets whose question a supervisor already handled are left out, unless `includeHandled` (a report
 * of a past period counts what was unanswered then, whatever was decided since).
 */
export function unansweredFromTickets(
  tickets: Ticket[],
  options: { includeHandled?: boolean } = {},
): UnansweredQuestion[] {
  const out: UnansweredQuestion[] = [];
  for (const ticket of tickets) {
    const reason = unansweredReason(ticket);
    if (!reason || (!options.includeHandled && handled(ticket))) continue;
    const asked = ticket.transcript.filter((t) => t.role === "customer" && t.at <= ticket.createdAt);
    const last = asked[asked.length - 1];
    const text = ticket.question ?? last?.text;
    if (last && text && text.trim() !== "" && unanswered(ticket, text))
      out.push({ text, reason, at: last.at, ticketId: ticket.ticketId });
  }
  return out;
}

/** Unit vectors, compared by dot product. Sparse (term → weight) or dense. */
export type UnitVector = Map<string, number> | Float32Array;

function dot(a: UnitVector, b: UnitVector): number {
  if (a instanceof Float32Array && b instanceof Float32Array) {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
    return s;
  }
  if (a instanceof Map && b instanceof Map) {
    const [small, large] = a.size <= b.size ? [a, b] : [b, a];
    let s = 0;
    for (const [term, w] of small) s += w * (large.get(term) ?? 0);
    return s;
  }
  throw new TypeError("cannot compare a sparse vector with a dense one");
}

/** TF-IDF over the retriever's terms (words, Chinese character n-grams), IDF from the questions themselves. */
export function lexicalVectors(texts: string[]): UnitVector[] {
  const counts = texts.map((t) => {
    const c = new Map<string, number>();
    for (const term of tokenize(t)) c.set(term, (c.get(term) ?? 0) + 1);
    return c;
  });
  const df = new Map<string, number>();
  for (const c of counts) for (const term of c.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const n = texts.length;
  return counts.map((c) => {
    const v = new Map<string, number>();
    let norm = 0;
    for (const [term, tf] of c) {
      const w = (1 + Math.log(tf)) * Math.log(1 + n / (df.get(term) ?? 1));
      v.set(term, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [term, w] of v) v.set(term, w / norm);
    return v;
  });
}

/** Embeddings (Bedrock in AWS), normalised. */
export async function embeddedVectors(texts: string[], embedder: Embedder): Promise<UnitVector[]> {
  const vectors = await embedder.embed(texts);
  return vectors.map((v) => {
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    return Float32Array.from(v, (x) => x / norm);
  });
}

export interface ClusterOptions {
  /** Average similarity to a cluster's members needed to join it. */
  threshold: number;
  /** Members a newcomer is compared with (the first ones): bounds the cost on very large clusters. */
  compareWith?: number;
}

/** Thresholds measured on banking77 (test/unit/kb/suggestions.test.ts reports purity at these). */
export const LEXICAL_CLUSTER_THRESHOLD = 0.3;
/**
 * The same for Bedrock (Titan v2) embeddings, whose cosines run higher: paraphrases sit well above 0.6,
 * unrelated questions in one domain around 0.3–0.5. Not measured here (no Bedrock from this machine);
 * revisit with the purity test's data when it can be embedded.
 */
export const EMBEDDING_CLUSTER_THRESHOLD = 0.6;

/** Average-linkage leader clustering; returns the member indices of each cluster, largest first. */
export function cluster(vectors: UnitVector[], options: ClusterOptions): number[][] {
  const compareWith = options.compareWith ?? 30;
  const clusters: number[][] = [];
  vectors.forEach((v, i) => {
    let best = -1;
    let bestSim = options.threshold;
    clusters.forEach((members, c) => {
      const sample = members.slice(0, compareWith);
      let sum = 0;
      for (const m of sample) sum += dot(v, vectors[m] as UnitVector);
      const sim = sum / sample.length;
      if (sim >= bestSim) {
        bestSim = sim;
        best = c;
      }
    });
    if (best === -1) clusters.push([i]);
    else clusters[best]?.push(i);
  });
  // Largest first; ties by first arrival, so the order is deterministic.
  return clusters.sort((a, b) => b.length - a.length || (a[0] as number) - (b[0] as number));
}

/** The member most similar to the others (the medoid). */
function medoid(members: number[], vectors: UnitVector[]): number {
  let best = members[0] as number;
  let bestSum = Number.NEGATIVE_INFINITY;
  for (const i of members) {
    let sum = 0;
    for (const j of members) if (j !== i) sum += dot(vectors[i] as UnitVector, vectors[j] as UnitVector);
    if (sum > bestSum) {
      bestSum = sum;
      best = i;
    }
  }
  return best;
}

/**
 * Times a question is asked before it is suggested: once is not yet a topic, and suggesting every one-off
 * would cost a closest-entry search each. The report's top unanswered ranks one-offs too, so the
 * suggestions route says how many questions it leaves out for this (`askedOnce`).
 */
export const SUGGESTION_MIN_COUNT = 2;

export interface SuggestOptions {
  /** Vectors of the questions' texts, in order (lexical by default). */
  vectors?: (texts: string[]) => Promise<UnitVector[]> | UnitVector[];
  threshold?: number;
  /** Suggestions asked fewer times than this are left out (SUGGESTION_MIN_COUNT by default). */
  minCount?: number;
  maxExamples?: number;
  /** The current knowledge base, for the closest entries. */
  retriever?: Retriever;
  closest?: number;
}

export async function suggest(
  questions: UnansweredQuestion[],
  options: SuggestOptions = {},
): Promise<LearningSuggestion[]> {
  const ordered = [...questions].sort((a, b) => a.at.localeCompare(b.at) || a.text.localeCompare(b.text));
  const texts = ordered.map((q) => q.text);
  const vectors = await (options.vectors ?? lexicalVectors)(texts);
  const groups = cluster(vectors, { threshold: options.threshold ?? LEXICAL_CLUSTER_THRESHOLD });
  const out: LearningSuggestion[] = [];
  for (const members of groups) {
    if (members.length < (options.minCount ?? SUGGESTION_MIN_COUNT)) continue;
    const rep = ordered[medoid(members, vectors)] as UnansweredQuestion;
    const items = members.map((m) => ordered[m] as UnansweredQuestion);
    const reasons: LearningSuggestion["reasons"] = {};
    for (const q of items) reasons[q.reason] = (reasons[q.reason] ?? 0) + 1;
    const representative = redact(rep.text);
    // One example per wording (wordingKey), the first of its variants: the representative first.
    const byKey = new Map<string, string>();
    for (const text of [representative, ...items.map((q) => redact(q.text))]) {
      if (!byKey.has(wordingKey(text))) byKey.set(wordingKey(text), text);
    }
    const examples = [...byKey.values()].slice(0, options.maxExamples ?? 5);
    const closest = options.retriever
      ? (await options.retriever.search(rep.text, options.closest ?? 3)).map((c) => ({
          faqId: c.faqId,
          score: c.score,
          matchedQuestion: c.matchedQuestion,
        }))
      : [];
    const times = items.map((q) => q.at).sort();
    out.push({
      id: createHash("sha256").update(representative).digest("hex").slice(0, 16),
      representative,
      count: items.length,
      reasons,
      examples,
      closest,
      ticketIds: items.flatMap((q) => (q.ticketId ? [q.ticketId] : [])),
      firstAt: times[0] as string,
      lastAt: times[times.length - 1] as string,
    });
  }
  return out;
}

/** How many topics the report lists. */
export const TOP_UNANSWERED = 10;

/**
 * The topics customers asked most in a period that the bot handed off for not knowing: the tickets
 * created on the UTC days `since`…`until` (of one channel if given), clustered as the suggestions are,
 * one-offs included, largest first.
 */
export async function topUnanswered(
  tickets: Ticket[],
  range: { since: string; until: string; channel?: string },
  options: Omit<SuggestOptions, "minCount" | "maxExamples" | "closest"> & { limit?: number } = {},
): Promise<UnansweredTopic[]> {
  const inRange = tickets.filter((t) => {
    const day = t.createdAt.slice(0, 10);
    return day >= range.since && day <= range.until && (!range.channel || t.channel === range.channel);
  });
  const suggestions = await suggest(unansweredFromTickets(inRange, { includeHandled: true }), {
    ...options,
    minCount: 1,
    maxExamples: 1,
    closest: 1,
  });
  return suggestions.slice(0, options.limit ?? TOP_UNANSWERED).map((s) => ({
    question: s.representative,
    count: s.count,
    closestFaqId: s.closest[0]?.faqId ?? null,
  }));
}
