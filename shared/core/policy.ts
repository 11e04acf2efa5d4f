import type { Decision } from "./engine";
import type { Candidate, FaqEntry } from "./faq";
import type { Channel } from "./message";
import type { Language } from "./text";
import { normalize, spaced } from "./text";
import { clarifyText, type TextOverrides } from "./texts";
import { DEFAULT_THRESHOLDS, type PolicyThresholds } from "./thresholds";
import { contentTerms } from "./understanding/scope";

export interface DecideInput {
  /** Retrieval candidates, best first, with calibrated scores. */
  candidates: Candidate[];
  /** Looks up an entry by id (its approved answer and main question). */
  entry: (faqId: string) => FaqEntry | undefined;
  language: Language;
  thresholds?: Partial<PolicyThresholds>;
  /**
   * Whether the message shares a content word with the knowledge base (KnowledgeScope.inScope): a likely
   * entry is offered to it at `suggestThreshold`, to a message that does not at `offTopicSuggestThreshold`.
   * Unknown (undefined) counts as in scope.
   */
  looksInScope?: boolean;
  channel?: Channel;
  texts?: TextOverrides;
}

/** One candidate per entry, best first (a hybrid retriever may return an entry twice). */
export function distinctEntries(candidates: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const c of [...candidates].sort((a, b) => b.score - a.score)) {
    if (seen.has(c.faqId)) continue;
    seen.add(c.faqId);
    out.push(c);
  }
  return out;
}

/**
 * Answer when the best entry is confident and clearly ahead of the next *different* entry; ask the
 * customer to choose when the best entry is likely (with the runners-up as options) or two or three
 * entries are plausible; otherwise hand off.
 */
export function decide(input: DecideInput): Decision {
  const t = { ...DEFAULT_THRESHOLDS, ...input.thresholds };
  const ranked = distinctEntries(input.candidates).filter((c) => input.entry(c.faqId) !== undefined);
  const top = ranked[0];
  if (!top) return { kind: "handoff", reason: "low_confidence", priority: "normal", detail: "no_candidates" };
  const margin = top.score - (ranked[1]?.score ?? 0);
  if (top.score >= t.answerThreshold && margin >= t.marginThreshold) {
    const entry = input.entry(top.faqId) as FaqEntry;
    return { kind: "answer", text: entry.answer, faqIds: [top.faqId], confidence: top.score };
  }
  // A likely best entry is asked about, with the runners-up as the other options (measured in
  // bench/clarify.ts: the right entry is among the top three far more often than it is first); two or
  // three close weaker entries are asked about too; otherwise a person takes it.
  const offTopic = input.looksInScope === false;
  const likely = top.score >= (offTopic ? t.offTopicSuggestThreshold : t.suggestThreshold);
  // A message that shares no word with the knowledge base ("明天会下雨吗") is offered entries only when one
  // is likely: two or three weak ones would be entries about something else, and the customer is better
  // told what the bot can help with.
  const options = ranked
    .filter((c) => likely || (!offTopic && c.score >= t.clarifyThreshold))
    .slice(0, t.maxClarifyOptions);
  if (options.length >= 2 || (likely && options.length === 1)) {
    const picked = options.map((c) => ({
      faqId: c.faqId,
      question: (input.entry(c.faqId) as FaqEntry).question,
    }));
    return {
      kind: "clarify",
      text: clarifyText(
        input.language,
        picked.map((o) => o.question),
        input.channel,
        input.texts,
      ),
      options: picked,
    };
  }
  return {
    kind: "handoff",
    reason: "low_confidence",
    priority: "normal",
    detail: `top=${top.faqId}:${top.score.toFixed(3)} margin=${margin.toFixed(3)}`,
  };
}

const ZH_ORDINALS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5 };
const EN_ORDINALS: Record<string, number> = {
  one: 1,
  first: 1,
  "1st": 1,
  two: 2,
  second: 2,
  "2nd": 2,
  three: 3,
  third: 3,
  "3rd": 3,
  four: 4,
  fourth: 4,
  five: 5,
  fifth: 5,
};

/** The 1-based option number a reply names, if it is nothing but a choice ("2", "第二个", "option 2"). */
export function parseChoice(text: string): number | undefined {
  const s = normalize(text)
    .replace(/[\s\p{P}\p{S}]+/gu, " ")
    .trim();
  // `s` has single spaces (normalised above), so `\s?` is every space there can be; two `\s*` side by side
  // would share out a long run of spaces every possible way before failing.
  const m =
    /^(?:选|选择|是|就是|要)?\s?(?:第\s?)?([1-9一二两三四五])\s?(?:个|条|项|号|种)?\s?(?:吧|啊|呀|的)?$/.exec(
      s,
    );
  if (m?.[1]) return Number(m[1]) || ZH_ORDINALS[m[1]];
  return englishChoice(s);
}

const EN_LEAD_WORDS = new Set(["the", "number", "no", "option", "choice", "i", "mean", "meant"]);
const EN_TRAILING_WORDS = new Set(["one", "option", "please"]);

/**
 * "2", "option 2", "the first one", "i meant the second": lead words, one choice, trailing words. Read
 * word by word: as one regex, "option" being both a lead and a trailing word made a long run of them
 * quadratic.
 */
function englishChoice(s: string): number | undefined {
  const words = s.replace(/\b(number|no|option|choice)(?=[1-9]\b)/g, "$1 ").split(" ");
  let first = 0;
  while (first < words.length - 1 && EN_LEAD_WORDS.has(words[first] as string)) first++;
  let last = words.length - 1;
  while (last > first && EN_TRAILING_WORDS.has(words[last] as string)) last--;
  if (first !== last) return undefined;
  const word = words[first] as string;
  return /^[1-9]$/.test(word) ? Number(word) : EN_ORDINALS[word];
}

const YES = new Set(
  "是 是的 是滴 对 对的 对对 嗯 嗯嗯 没错 就是 就是这个 是这个 好 好的 yes yeah yep yup y correct right exactly ok okay sure thatone thisone".split(
    " ",
  ),
);

/** A plain "yes" ("是的", "对", "yes", "that one"): the answer to a clarify that offered one entry. */
export function confirmsSuggestion(text: string): boolean {
  const plain = spaced(normalize(text));
  // Compared without spaces: "that one" is one word here, as 就是这个 is.
  return YES.has(plain.replace(/ /g, ""));
}

const NONE_OF_THEM = new Set(
  (
    "都不是 都不对 全都不是 全不是 以上都不是 哪个都不是 都没有 不是 不对 不是这些 不是这个 都不是我要的 " +
    "都不是我想问的 没有我要的 没有我想问的 none noneofthese noneofthem noneofthose noneoftheabove neither " +
    "neitherofthem neitherone no nope nah notthese notthose notanyofthese nononeofthese nonethanks"
  ).split(" "),
);

/**
 * A reply that turns down every option offered ("都不是", "none of these", "no"), and asks nothing of its
 * own: a message that goes on with a question ("不是这个 我是问…") is read as that question.
 */
export function rejectsOptions(text: string): boolean {
  const plain = normalize(text)
    .replace(/[\p{P}\p{S}\s]+/gu, "")
    // The lookbehind starts the match only at the run's start (linear on a long run of particles).
    .replace(/(?<![啊呀呢吧哦啦嘛])[啊呀呢吧哦啦嘛]+$/u, "");
  return NONE_OF_THEM.has(plain);
}

/** Words that point at an option rather than say what it is about ("the refund one", "退款那个"). */
const OPTION_POINTER = /的?(那个|这个|那条|这条|那一?项|这一?项|那种|这种)?$|\b(the|one|option|please)\b/gu;

/**
 * An option named by a word or two of its own ("the refund one", "退款那个", "password"): the option
 * whose question has every content word of the reply, when exactly one has.
 */
function pickByWords<T extends { question: string }>(text: string, pending: T[]): T | undefined {
  const words = contentTerms(normalize(text).replace(OPTION_POINTER, " "));
  // A word or two: a four-character Chinese word is three bigrams and its concept (lexicon.ts).
  if (words.length === 0 || words.length > 4) return undefined;
  const named = pending.filter((o) => {
    const own = new Set(contentTerms(o.question));
    return words.every((w) => own.has(w));
  });
  return named.length === 1 ? named[0] : undefined;
}

/**
 * Resolves a reply to a pending clarification: a "yes" when it offered one entry, a number/ordinal, the
 * text of one option (exactly or contained in the reply), or a word or two only one option's question
 * has. Returns undefined when the reply is a new question.
 */
export function pickClarification<T extends { faqId: string; question: string }>(
  text: string,
  pending: T[],
): T | undefined {
  if (pending.length === 0) return undefined;
  if (pending.length === 1 && confirmsSuggestion(text)) return pending[0];
  const n = parseChoice(text);
  if (n !== undefined) return pending[n - 1];
  const reply = normalize(text).replace(/[\s\p{P}\p{S}]+/gu, "");
  if (reply.length < 2) return undefined;
  const matches = pending.filter((o) => {
    const q = normalize(o.question).replace(/[\s\p{P}\p{S}]+/gu, "");
    return q === reply || (reply.length >= 4 && q.includes(reply)) || (q.length >= 4 && reply.includes(q));
  });
  if (matches.length === 1) return matches[0];
  return matches.length === 0 ? pickByWords(text, pending) : undefined;
}
