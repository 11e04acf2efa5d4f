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
}

/** Every phrasing of an entry: the question first, then the similar questions. */
export function phrasings(entry: FaqEntry): string[] {
  return [entry.question, ...entry.similarQuestions];
}

/** One FAQ entry retrieved for a query. */
export interface Candidate {
  faqId: string;
  /** Calibrated confidence in [0, 1] that this entry answers the query. */
  score: number;
  /** The phrasing that matched best. */
  matchedQuestion: string;
}
