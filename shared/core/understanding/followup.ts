import type { Topic } from "../conversation";
import type { Decision } from "../engine";
import type { Candidate, FaqEntry } from "../faq";
import { phrasings } from "../faq";
import { normalize } from "../text";
import { conceptMentions } from "./lexicon";
import { contentTerms } from "./scope";

/**
 * Follow-ups: a short elliptical message ("那澳门呢", "what about paypal?", "券已经过期了呢") leans on the
 * conversation's previous FAQ question. The engine reads the message alone first and, when that does not
 * answer it, once more together with the previous question. The combined reading may answer only with
 * the same discipline as any answer (the policy's thresholds) and only with an entry the message alone
 * also points to: the previous question's words must not carry the answer by themselves, or "and how do
 * I track it?" after "how long does delivery take?" would be answered with the delivery-time entry again.
 */

export const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
/** The lookbehind matches a run only from its start: "？"×10 000 then a letter took 1.5 s without it. */
export const TRAILING_PUNCT = /(?<![\s?？!！。.,，~～…])[\s?？!！。.,，~～…]+$/u;
export const ZH_LEADING = /^(那么|那如果|那要是|如果是|还有|另外|然后|那)/;
export const ZH_PRONOUN = /(这个|那个|这些|那些|这款|那款|这种|那种|它们|它|该)/;
const EN_LEADING = /^(and|also|but|so|ok|okay)\b|^(what|how)\s+about\b|^what\s+if\b|^same\s+for\b/;
const EN_PRONOUN = /\b(it|its|that|this|those|these|them|they|there|one|ones)\b/;
/** A sentence whose subject is a pronoun ("it's been stuck…", "they said…") goes on about something said. */
const EN_PRONOUN_SUBJECT = /^(it|its|they|theyre|theyve|that|thats|this|these|those)\b/;

/**
 * Whether a message has the shape of a follow-up: short, and opening like one ("那…", "还有…",
 * "and…", "what about…"), ending in 呢, or pointing back ("这个", "it"). A longer message, or one
 * without such a mark, is read as a question of its own, whatever it scores.
 */
export function readsAsFollowUp(text: string): boolean {
  const t = text.trim().replace(TRAILING_PUNCT, "");
  if (t.length === 0) return false;
  if (CJK.test(t)) {
    const length = Array.from(t).length;
    if (ZH_LEADING.test(t) && length <= 15) return true;
    if (/呢$/.test(t) && length <= 12) return true;
    return ZH_PRONOUN.test(t) && length <= 10;
  }
  const lower = t.toLowerCase();
  const words = lower.split(/\s+/).length;
  if (EN_LEADING.test(lower) && words <= 8) return true;
  if (EN_PRONOUN_SUBJECT.test(lower.replace(/'/g, "")) && words <= 10) return true;
  return EN_PRONOUN.test(lower) && words <= 5;
}

/**
 * How much of the previous question a follow-up is read with: its newest characters (a chain of
 * follow-ups keeps the latest ones). Enough for the words a follow-up leans on; a whole e-mail would
 * make the second reading as slow as it is long.
 */
export const TOPIC_MAX_CHARS = 80;

/**
 * A message not shaped as a follow-up is read again with the previous question only when its own best
 * entry scores at least this: a choice built on it must list that entry, and a weaker one is a stray
 * word's match. Half the clarify floor; on the e-commerce conversations 0.1 gave up no conversation,
 * 0.15 three, and it spares the second retrieval of most messages the knowledge base does not cover.
 */
export const OWN_LEAD_MIN = 0.1;

/** One reading of a message: the policy's decision over the candidates retrieved for it. */
export interface Reading {
  decision: Decision;
  candidates: Candidate[];
}

/**
 * The text retrieved for a follow-up: the previous question (its newest TOPIC_MAX_CHARS characters),
 * then the whole message, whose own words ("澳门", "paypal") are what it adds.
 */
export function withTopic(topic: Topic, text: string): string {
  const chars = [...topic.question.trim()];
  const previous = chars.length <= TOPIC_MAX_CHARS ? chars : chars.slice(chars.length - TOPIC_MAX_CHARS);
  return `${previous.join("")} ${text.trim()}`;
}

/**
 * Which reading decides (`alone`, `combined`), or whether the customer is asked to choose between the
 * entries of both (`ask`: bothReadings):
 * - The message alone answered: it stands, unless it is shaped as a follow-up and the reading with the
 *   previous question answers as confidently with another entry ("那扣的钱多久退回来" after a failed
 *   payment: the refund-time entry alone, the failed-payment one in context) — then `ask`.
 * - The message alone offers a choice: it stands, unless the reading with the previous question points
 *   first to an entry the choice lacks and the message leans on the thread (shaped as a follow-up, or
 *   `related`: sharing a content word with the text of an entry of the topic, TopicReader.sharesWords)
 *   — then `ask`, so that the choice lists the entry of the conversation's thread ("用了满减的话退多少钱" after a partial-refund answer: alone, the
 *   free-shipping threshold and coupons; in context, the partial refund, whose answer says how a
 *   discount is shared).
 * - Otherwise the reading with the previous question: its answer only for a follow-up and only with an
 *   entry the message alone also retrieved with a lead (score ≥ OWN_LEAD_MIN: "and when does it go out"
 *   after an order-status answer finds that entry fifth, at 0.002, and is about shipping), or when the
 *   message alone retrieved nothing at all ("预售的呢"
 *   has no word of the knowledge base to contradict it) — a follow-up's other answers in context are
 *   `ask`ed, beside the message's own first entry ("when will it ship" after an order-status answer);
 *   its choice of entries when that lists the message's own first entry, or for a follow-up whose own
 *   reading has no lead (score below OWN_LEAD_MIN); a lead of its own must be listed, so `ask` when the
 *   message leans on the thread, else the message alone (nothing is answered on the previous question's
 *   words alone, and an unrelated question is not offered the thread's entries).
 */
export function resolveFollowUp(
  alone: Reading,
  combined: Reading,
  message: { followUp: boolean; related?: boolean },
): "alone" | "combined" | "ask" {
  const leans = message.followUp || message.related === true;
  const a = alone.decision;
  const d = combined.decision;
  const contextFirst =
    d.kind === "answer" ? d.faqIds[0] : d.kind === "clarify" ? d.options[0]?.faqId : undefined;
  if (a.kind === "answer") {
    const disagree = d.kind === "answer" && d.faqIds[0] !== a.faqIds[0];
    return message.followUp && disagree ? "ask" : "alone";
  }
  if (a.kind === "clarify") {
    const lacking = contextFirst !== undefined && !a.options.some((o) => o.faqId === contextFirst);
    return lacking && leans ? "ask" : "alone";
  }
  const own = alone.candidates[0];
  if (d.kind === "answer") {
    if (!message.followUp) return "alone";
    const supported =
      own === undefined || alone.candidates.some((c) => c.faqId === contextFirst && c.score >= OWN_LEAD_MIN);
    return supported ? "combined" : "ask";
  }
  if (d.kind === "clarify") {
    if (own === undefined || d.options.some((o) => o.faqId === own.faqId)) return "combined";
    if (own.score >= OWN_LEAD_MIN) return leans ? "ask" : "alone";
    return message.followUp ? "combined" : "alone";
  }
  return "alone";
}

/**
 * The entries a reading puts forward: its answer, its choice's options, or, when it would hand off, its
 * candidates with a lead (OWN_LEAD_MIN), at least its first.
 */
function putForward(reading: Reading): Candidate[] {
  const d = reading.decision;
  if (d.kind === "answer") return reading.candidates.slice(0, 1);
  if (d.kind !== "clarify") {
    const leads = reading.candidates.filter((c) => c.score >= OWN_LEAD_MIN);
    return leads.length > 0 ? leads : reading.candidates.slice(0, 1);
  }
  return d.options.map(
    (o) =>
      reading.candidates.find((c) => c.faqId === o.faqId) ?? {
        faqId: o.faqId,
        score: 0,
        matchedQuestion: o.question,
      },
  );
}

/**
 * The choice when the two readings disagree: what each puts forward (its answer or its options), the
 * first of each, then their runners-up in turn, each entry once, at most `max`. The message's own words
 * and the conversation's thread are both heard; the customer says which was meant. The message's own
 * reading leads when it answered or offered a choice by itself, the reading in context when the message
 * alone would have gone to a person.
 */
export function bothReadings(alone: Reading, combined: Reading, max = 3): Candidate[] {
  const own = putForward(alone);
  const context = putForward(combined);
  const ownFirst = alone.decision.kind !== "handoff";
  const both: Candidate[] = [];
  for (let i = 0; i < Math.max(own.length, context.length); i++) {
    for (const c of ownFirst ? [own[i], context[i]] : [context[i], own[i]]) {
      if (c && both.length < max && !both.some((b) => b.faqId === c.faqId)) both.push(c);
    }
  }
  return both;
}

/**
 * The concepts (lexicon.ts) of a message that names a member of one and nothing else of its own:
 * "支付宝的", "信用卡呢", "what about singapore?", "unionpay?". Such a message asks no question of its own;
 * it gives a value for the previous one ("退款多久" → "支付宝的": how long for Alipay). Undefined otherwise.
 */
export function slotConcepts(text: string): string[] | undefined {
  let rest = normalize(text);
  const mentions = conceptMentions(rest);
  if (mentions.length === 0) return undefined;
  for (const { member } of mentions) rest = rest.replace(member, " ");
  return contentTerms(rest).length === 0 ? [...new Set(mentions.map((m) => m.term))] : undefined;
}

/**
 * TopicReader.answerNaming over a knowledge base: the concepts each entry's text names, computed once per
 * version of the knowledge base.
 */
export function entryNaming(entries: FaqEntry[]): NonNullable<TopicReader["answerNaming"]> {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const conceptsOf = new Map(
    entries.map((e) => [
      e.id,
      new Set(conceptMentions(normalize([...phrasings(e), e.answer].join("\n"))).map((m) => m.term)),
    ]),
  );
  return (faqId, concepts) => {
    const named = byId.get(faqId);
    if (!named || !concepts.some((c) => conceptsOf.get(faqId)?.has(c))) return undefined;
    return {
      decision: { kind: "answer", text: named.answer, faqIds: [faqId], confidence: 1 },
      candidates: [{ faqId, score: 1, matchedQuestion: named.question }],
    };
  };
}

/**
 * A message is about the answer just given when at least this share of its content terms (scope.ts
 * contentTerms: Han bigrams, English words, concepts) is in the topic entry's text. On the e-commerce
 * conversations no follow-up that moved to another entry reached 0.4 while its own entry's text covered
 * less of it than the topic entry's did.
 */
export const TOPIC_COVERAGE_MIN = 0.4;

/**
 * TopicReader.aboutAnswer over a knowledge base. A customer's next question is often about a detail of the
 * answer they just got ("最多能抵多少钱" after the points entry, whose answer says how much; "when does the
 * extra one come back" after the double-charge one): its words are in that answer, not in any phrasing, so
 * read alone it retrieves another entry or none. The topic entry stands when its text (phrasings and
 * answer) covers at least TOPIC_COVERAGE_MIN of the message's content terms and no entry the message
 * retrieves alone covers more of them: between texts that cover a message equally, the conversation says
 * which was meant ("paid with wechat pay" after a refund question is about the refund, though the
 * ways-to-pay entry names WeChat Pay as well). An entry the message alone answers confidently is not
 * overruled on a tie: the topic entry must cover more than it. Entry texts are read on demand (a handful
 * per message), not held for the whole knowledge base.
 */
export function entryCoverage(entries: FaqEntry[]): NonNullable<TopicReader["aboutAnswer"]> {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const termsOf = entryTerms(byId);
  return (faqId, text, others, answered) => {
    const topic = byId.get(faqId);
    const terms = [...new Set(contentTerms(text))];
    if (!topic || terms.length === 0) return undefined;
    const coverage = (id: string) => {
      const own = termsOf(id);
      return terms.filter((t) => own.has(t)).length / terms.length;
    };
    const covered = coverage(faqId);
    if (covered < TOPIC_COVERAGE_MIN) return undefined;
    if (others.some((id) => id !== faqId && coverage(id) > covered)) return undefined;
    if (answered !== undefined && answered !== faqId && coverage(answered) >= covered) return undefined;
    return {
      decision: { kind: "answer", text: topic.answer, faqIds: [faqId], confidence: covered },
      candidates: [{ faqId, score: covered, matchedQuestion: topic.question }],
    };
  };
}

/** The content terms of an entry's text (phrasings and answer), read on demand. */
function entryTerms(byId: Map<string, FaqEntry>): (faqId: string) => Set<string> {
  return (faqId) => {
    const entry = byId.get(faqId);
    return new Set(entry ? contentTerms([...phrasings(entry), entry.answer].join("\n")) : []);
  };
}

/** TopicReader.sharesWords over a knowledge base. */
export function entryLinks(entries: FaqEntry[]): NonNullable<TopicReader["sharesWords"]> {
  const termsOf = entryTerms(new Map(entries.map((e) => [e.id, e])));
  return (faqId, text) => {
    const own = termsOf(faqId);
    return contentTerms(text).some((t) => own.has(t));
  };
}

/** How an engine reads one query: its retrieval and the policy over what it retrieved. */
export interface TopicReader {
  /** Retrieves for `query` and decides; `answers: false` is the policy without its answers (offers only). */
  read(query: string, options: { answers: boolean }): Reading | Promise<Reading>;
  /** A choice between the given candidates (the policy without its answers). */
  offer(candidates: Candidate[]): Decision;
  /**
   * The entry's answer when its text (phrasings and answer) names one of `concepts` (its answer covers the
   * value the customer gave: the refund entry lists Alipay's and credit cards' times), else undefined.
   */
  answerNaming?(faqId: string, concepts: string[]): Reading | undefined;
  /**
   * The entry's answer when the message is about it rather than about any of `others` (entryCoverage:
   * its text covers at least as much of the message's words as theirs do, and more than the text of
   * `answered`, the entry the message alone answers with, if any), else undefined.
   */
  aboutAnswer?(faqId: string, text: string, others: string[], answered?: string): Reading | undefined;
  /** Whether the entry's text (phrasings and answer) has one of the message's content terms (entryLinks). */
  sharesWords?(faqId: string, text: string): boolean;
}

/**
 * The topic entry's answer when the message is about it (TopicReader.aboutAnswer) and the message alone
 * did not already answer with it.
 */
function aboutTopicAnswer(
  text: string,
  topicEntry: string,
  alone: Reading,
  reader: TopicReader,
): Reading | undefined {
  const a = alone.decision;
  if (!reader.aboutAnswer || (a.kind === "answer" && a.faqIds[0] === topicEntry)) return undefined;
  return reader.aboutAnswer(
    topicEntry,
    text,
    alone.candidates.map((c) => c.faqId),
    a.kind === "answer" ? a.faqIds[0] : undefined,
  );
}

/** A message's decision, and the question it answers when that is the message read with the topic. */
export interface TopicReading extends Reading {
  question?: string;
}

/**
 * A message read alone and, when that does not answer it, with the conversation's topic (resolveFollowUp
 * decides which reading stands). Engine-independent: the local engine reads with lexical retrieval, the
 * hybrid one with lexical and dense retrieval fused, both through the same rules.
 * - A message that only gives a value for the previous question ("支付宝的" after "退款多久", slotConcepts)
 *   is answered with the previous question's entry again when that entry names the value's concept: the
 *   message alone would read "支付宝" as a question about ways to pay.
 * - A message about the answer just given is answered with it (entryCoverage: the topic entry's text
 *   covers the message at least as well as any entry it finds alone), or asked about when the message
 *   alone answers confidently with another entry.
 * - A message the policy offers a choice for alone keeps it, unless it leans on the thread and the
 *   reading with the topic points to an entry the choice lacks (then both readings' entries are offered).
 * - A message not shaped as a follow-up is read with the topic only to offer a choice, only when it looks
 *   in scope (an off-topic one gets the scope statement) and has a lead of its own (the choice must list
 *   it), and for a choice of its own only when it shares a word with the topic's entries: the second
 *   reading costs a second retrieval.
 */
export async function readWithTopic(
  text: string,
  topic: Topic | undefined,
  looksInScope: boolean,
  reader: TopicReader,
): Promise<TopicReading> {
  const topicEntry = topic?.faqIds.length === 1 ? topic.faqIds[0] : undefined;
  const slots = topicEntry && reader.answerNaming ? slotConcepts(text) : undefined;
  if (topic && topicEntry && slots) {
    const refined = reader.answerNaming?.(topicEntry, slots);
    if (refined) return { ...refined, question: withTopic(topic, text) };
  }
  const alone = await reader.read(text, { answers: true });
  const about = topic && topicEntry ? aboutTopicAnswer(text, topicEntry, alone, reader) : undefined;
  if (topic && about) {
    const question = withTopic(topic, text);
    if (alone.decision.kind !== "answer") return { ...about, question };
    // Read alone, the message is confidently another entry's question; its words are the answer
    // just given. The customer says which was meant.
    const both = [alone.candidates[0], about.candidates[0]].filter((c) => c !== undefined);
    return { decision: reader.offer(both), candidates: both, question };
  }
  if (!topic) return alone;
  const followUp = readsAsFollowUp(text);
  if (alone.decision.kind === "answer" && !followUp) return alone;
  const ownLead = (alone.candidates[0]?.score ?? 0) >= OWN_LEAD_MIN;
  if (!followUp && !(ownLead && looksInScope)) return alone;
  // A choice of its own is widened only for a message that leans on the thread (resolveFollowUp): one
  // not shaped as a follow-up and sharing no word with the thread's entries is spared the second read.
  const related = topic.faqIds.some((id) => reader.sharesWords?.(id, text) === true);
  if (alone.decision.kind === "clarify" && !followUp && !related) return alone;
  const question = withTopic(topic, text);
  // Only a follow-up is answered in context, and not one the message alone offers a choice for (that
  // choice stands, or is widened); a follow-up the message alone answers is read with answers, so that
  // a confident answer in context with another entry is seen (resolveFollowUp: `ask`).
  const combined = await reader.read(question, { answers: followUp && alone.decision.kind !== "clarify" });
  switch (resolveFollowUp(alone, combined, { followUp, related })) {
    case "alone":
      return alone;
    case "combined":
      return { ...combined, question };
    case "ask": {
      const both = bothReadings(alone, combined);
      // Listed in this order: the scores of two readings of different texts are not on one scale, so
      // the offer is given ranks, not the readings' scores (the ticket keeps those).
      const ranks = both.map((c, i) => ({ ...c, score: 1 - i / 100 }));
      return { decision: reader.offer(ranks), candidates: both, question };
    }
  }
}
