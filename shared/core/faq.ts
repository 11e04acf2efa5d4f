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
