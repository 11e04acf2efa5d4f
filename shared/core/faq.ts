import { detectLanguage, type Language } from "./text";

/** One knowledge-base entry as admins upload it. */
export interface FaqEntry {
  id: string;
  /** The main phrasing of the question. */
  question: string;
  /** Other phrasings customers use for the same question. */
  similarQuestions: string[];
  /** The approved answer, sent verbatim when retrieval alone is confident. */
  answer: string;
  category?: string;
  /**
   * Not an answer but wordings a supervisor marked as out of scope ("not our business"): the bot never
   * answers from them, and withholds an answer near them (shared/kb/learned.ts). Their `answer` is empty.
   */
  outOfScope?: true;
  /**
   * The id of the entry this one translates (the same question and answer in the other language). A
   * message that finds this entry while the conversation is in the other language is answered with the
   * translation: "order 怎么 cancel 啊" finds the English entry by its words, and is answered in Chinese.
   */
  translationOf?: string;
}

/** Every phrasing of an entry: the question first, then the similar questions. */
export function phrasings(entry: FaqEntry): string[] {
  return [entry.question, ...entry.similarQuestions];
}

/** The entries the bot may answer from: all but the out-of-scope wordings. */
export function answerable<T extends FaqEntry>(entries: T[]): T[] {
  return entries.filter((e) => !e.outOfScope);
}

/** One FAQ entry retrieved for a query. */
export interface Candidate {
  faqId: string;
  /** Calibrated confidence in [0, 1] that this entry answers the query. */
  score: number;
  /** The phrasing that matched best. */
  matchedQuestion: string;
}

/**
 * Candidates as the entries to answer with in `language`: an entry whose question is in the other
 * language stands for its translation in `language` when the knowledge base links one (`translationOf`,
 * either way round), so a customer is answered in the conversation's language whichever of the pair
 * their words found; without a link it stays (an answer in the other language beats none).
 */
export function inLanguageOf(
  entries: FaqEntry[],
): (candidates: Candidate[], language: Language) => Candidate[] {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const linked = new Map<string, FaqEntry[]>();
  const link = (a: FaqEntry, b: FaqEntry) => linked.set(a.id, [...(linked.get(a.id) ?? []), b]);
  for (const e of entries) {
    const other = e.translationOf === undefined ? undefined : byId.get(e.translationOf);
    if (!other || other === e) continue;
    link(e, other);
    link(other, e);
  }
  if (linked.size === 0) return (candidates) => candidates;
  const languageOf = (e: FaqEntry) => detectLanguage(e.question);
  const idIn = (faqId: string, language: Language) => {
    const entry = byId.get(faqId);
    if (!entry || languageOf(entry) === language) return faqId;
    return linked.get(faqId)?.find((t) => languageOf(t) === language)?.id ?? faqId;
  };
  return (candidates, language) =>
    candidates.map((c) => {
      const faqId = idIn(c.faqId, language);
      return faqId === c.faqId ? c : { ...c, faqId };
    });
}
