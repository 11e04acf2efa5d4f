import type { Candidate, FaqEntry } from "../core/faq";
import { phrasings } from "../core/faq";
import { detectLanguage, normalize } from "../core/text";
import { type ConceptMention, conceptMentions, standardizeColloquial } from "../core/understanding/lexicon";
import {
  DEFAULT_CALIBRATION,
  DEFAULT_KB_CALIBRATION,
  type KbCalibration,
  type LexicalCalibration,
} from "./calibration";
import type { Retriever } from "./retrieval";
import { tokenize } from "./tokenize";

/**
 * Question-to-question BM25: every phrasing of every entry is a document; a query is scored against all
 * phrasings through an inverted index (CSR typed arrays), the best phrasings are aggregated per entry and
 * the result is turned into a calibrated probability-like score. The best entries are then re-scored with
 * their answers as a second, lower-weight field (`creditAnswer`), which lends a phrasing the words a
 * customer uses and only the answer has ("unionpay", "silver", "custom-made").
 */

export interface LexicalOptions {
  /** BM25 term-frequency saturation. */
  k1?: number;
  /** BM25 length normalisation (phrasings are short and similar in length, so less than the usual 0.75). */
  b?: number;
  /** Weight of Chinese character bigrams ("b:xy") and unigrams ("u:x") relative to words. */
  bigramWeight?: number;
  unigramWeight?: number;
  /** Weight of English character trigrams ("t:abc"), which catch typos and unstemmed variants; 0 disables. */
  trigramWeight?: number;
  /** Per entry: best phrasing + this share of the next best ones (several matching phrasings = more evidence). */
  secondPhrasingBonus?: number;
  /**
   * How many of an entry's other phrasings add to its aggregate. The calibration was fitted on entries of
   * five phrasings (four others); an entry that grew dozens of taught phrasings would otherwise sum
   * dozens of weak matches and outrank, at a high score, entries that match better (see shared/kb/learned.ts).
   */
  maxOtherPhrasings?: number;
  /** Logistic calibration of the similarity into a score in [0, 1]. */
  calibration?: LexicalCalibration;
  /**
   * Phrasings held out, one at a time, to learn how confusable this knowledge base is (see
   * `kbAdjustment`); 0 disables the adjustment. Costs one query each at build time.
   */
  selfCheckSample?: number;
  kbCalibration?: KbCalibration;
  /**
   * Weight of the entry's answer text as a second, lower field (see `answerCredit`): a query word the
   * best phrasing lacks and the answer has counts this share of a matched word. 0 disables.
   */
  answerWeight?: number;
  /** How many of the best entries by their phrasings are re-scored with their answers. */
  answerRescore?: number;
}

/** A candidate with the raw numbers the hybrid engine needs for rank fusion and the eval tool for sweeps. */
export interface RankedCandidate extends Candidate {
  /** 1-based rank among entries. */
  rank: number;
  /** Normalised similarity of the best phrasing, in [0, ~1]: BM25 over the geometric mean of self-scores. */
  similarity: number;
  /** Ranking score: best phrasing similarity + a share of the entry's other phrasings' similarities. */
  aggregate: number;
  /** Aggregate minus the best other entry's aggregate (negative below rank 1). */
  margin: number;
  /**
   * Raw BM25 of the best phrasing divided by the largest possible idf: roughly "how many rare words
   * matched". Similarity says how much of the texts overlap; this says how much evidence that is (a
   * two-character chit-chat query can overlap fully with little evidence). Dividing by the largest idf
   * keeps it comparable between a 50-entry and a 10,000-entry knowledge base.
   */
  evidence: number;
  /** The calibrated score before the knowledge-base adjustment (what `calibration` alone gives). */
  baseScore: number;
}

/**
 * What the knowledge base says about itself: each sampled phrasing is searched for with itself left
 * out, as if a customer had typed it. `accuracy` is the share whose own entry came first; `precisionAt`
 * the share of right ones among those scoring at least a given base score (smoothed towards ½).
 */
export interface SelfCheck {
  sampled: number;
  accuracy: number;
  precisionAt(baseScore: number): number;
}

export interface LexicalRetriever extends Retriever {
  /** Synchronous search with raw ranks and scores; `search` wraps it. */
  rank(query: string, k?: number): RankedCandidate[];
  readonly stats: { entries: number; phrasings: number; terms: number; postings: number };
  readonly selfCheck: SelfCheck;
}

const DEFAULTS = {
  k1: 1.2,
  b: 0.5,
  bigramWeight: 1,
  unigramWeight: 0.5,
  trigramWeight: 0.2,
  secondPhrasingBonus: 0.3,
  maxOtherPhrasings: 4,
  selfCheckSample: 400,
  answerWeight: 0.3,
  answerRescore: 10,
};

function typeWeight(term: string, w: { bigram: number; unigram: number; trigram: number }): number {
  if (term.startsWith("b:")) return w.bigram;
  if (term.startsWith("u:")) return w.unigram;
  if (term.startsWith("t:")) return w.trigram;
  return 1;
}

function countTerms(tokens: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

export function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function createLexicalRetriever(entries: FaqEntry[], options: LexicalOptions = {}): LexicalRetriever {
  const k1 = options.k1 ?? DEFAULTS.k1;
  const b = options.b ?? DEFAULTS.b;
  const weights = {
    bigram: options.bigramWeight ?? DEFAULTS.bigramWeight,
    unigram: options.unigramWeight ?? DEFAULTS.unigramWeight,
    trigram: options.trigramWeight ?? DEFAULTS.trigramWeight,
  };
  const tokOptions = { charTrigrams: weights.trigram > 0 };
  // Words and n-grams of the text in standard register, plus the concepts it names (lexicon.ts): every
  // one in a phrasing, and in a query those of members no phrasing names itself.
  // An answer's members add their concepts but do not count as named: a phrasing is what a customer
  // asks, so a member only an answer names still stands for its concept in a query.
  const namedMembers = new Set<string>();
  const terms = (text: string, role: "phrasing" | "answer" | "query") => {
    let norm = normalize(text);
    const concepts: string[] = [];
    // Per language, as words are: "云闪付" meets 信用卡 in a Chinese entry, not "credit card" in its
    // English twin (which would split the concept's weight between the two).
    const language = detectLanguage(norm, "zh");
    const mentions = conceptMentions(norm);
    // Last first, so that cutting a member out leaves the earlier indexes in place.
    for (let i = mentions.length - 1; i >= 0; i--) {
      const { member, term, index } = mentions[i] as ConceptMention;
      if (role === "phrasing") namedMembers.add(member);
      else if (role === "query") {
        if (namedMembers.has(member)) continue;
        norm = `${norm.slice(0, index)} ${norm.slice(index + member.length)}`;
      }
      concepts.push(`${term}:${language}`);
    }
    return [...tokenize(standardizeColloquial(norm), tokOptions), ...concepts];
  };
  const bonus = options.secondPhrasingBonus ?? DEFAULTS.secondPhrasingBonus;
  // Slots per entry: the best phrasing and the others that count, best first.
  const slots = 1 + Math.max(0, options.maxOtherPhrasings ?? DEFAULTS.maxOtherPhrasings);
  const cal = options.calibration ?? DEFAULT_CALIBRATION;

  // Documents = phrasings; docEntry maps a document to its entry index.
  const docText: string[] = [];
  const docEntryList: number[] = [];
  const docTerms: Map<string, number>[] = [];
  const termIds = new Map<string, number>();
  const termNames: string[] = [];
  const df: number[] = [];
  entries.forEach((entry, ei) => {
    for (const p of phrasings(entry)) {
      const counts = countTerms(terms(p, "phrasing"));
      if (counts.size === 0) continue;
      docText.push(p);
      docEntryList.push(ei);
      docTerms.push(counts);
      for (const term of counts.keys()) {
        let id = termIds.get(term);
        if (id === undefined) {
          id = termNames.length;
          termIds.set(term, id);
          termNames.push(term);
          df.push(0);
        }
        df[id] = (df[id] ?? 0) + 1;
      }
    }
  });
  const nDocs = docTerms.length;
  const nTerms = termNames.length;
  const docEntry = Int32Array.from(docEntryList);
  const docLen = new Float32Array(nDocs);
  let totalLen = 0;
  docTerms.forEach((counts, d) => {
    let len = 0;
    for (const [term, c] of counts) len += c * typeWeight(term, weights);
    docLen[d] = len;
    totalLen += len;
  });
  const avgdl = nDocs > 0 ? totalLen / nDocs : 1;
  const idfOf = (dfi: number) => Math.log(1 + (nDocs - dfi + 0.5) / (dfi + 0.5));
  const idf = new Float32Array(nTerms);
  for (let t = 0; t < nTerms; t++) idf[t] = idfOf(df[t] ?? 0);
  // An unseen query term is evidence against every entry: it counts in the query's self-score with the
  // idf of a term seen once.
  const oovIdf = idfOf(1);

  // CSR postings: offsets[t]..offsets[t+1] index docs/weights; weights are the full BM25 term scores.
  const offsets = new Int32Array(nTerms + 1);
  for (let t = 0; t < nTerms; t++) offsets[t + 1] = (offsets[t] ?? 0) + (df[t] ?? 0);
  const postDocs = new Int32Array(offsets[nTerms] ?? 0);
  const postW = new Float32Array(offsets[nTerms] ?? 0);
  const fill = offsets.slice(0, nTerms);
  const docSelf = new Float32Array(nDocs);
  docTerms.forEach((counts, d) => {
    const norm = k1 * (1 - b + (b * (docLen[d] ?? 0)) / avgdl);
    let self = 0;
    for (const [term, tf] of counts) {
      const t = termIds.get(term) as number;
      const w = ((idf[t] ?? 0) * typeWeight(term, weights) * tf * (k1 + 1)) / (tf + norm);
      const at = fill[t] ?? 0;
      postDocs[at] = d;
      postW[at] = w;
      fill[t] = at + 1;
      self += w;
    }
    docSelf[d] = self;
  });
  docTerms.length = 0;

  // The answers' terms, per entry a sorted run of ids in a dictionary of their own (CSR, like the
  // postings). An answer that only repeats its entry's id is a placeholder, not text (the public intent
  // sets' answers are their entries' names): it is left out.
  const answerWeight = options.answerWeight ?? DEFAULTS.answerWeight;
  const answerTermIds = new Map<string, number>();
  const answerOffsets = new Int32Array(entries.length + 1);
  const answerRuns: number[] = [];
  entries.forEach((entry, ei) => {
    const text = entry.answer.trim();
    if (answerWeight > 0 && text !== "" && normalize(text) !== normalize(entry.id)) {
      const ids = new Set<number>();
      for (const term of terms(text, "answer")) {
        // Single characters of a long answer say little (it holds most common ones); its words,
        // bigrams and concepts are kept.
        if (term.startsWith("u:")) continue;
        let id = answerTermIds.get(term);
        if (id === undefined) {
          id = answerTermIds.size;
          answerTermIds.set(term, id);
        }
        ids.add(id);
      }
      answerRuns.push(...[...ids].sort((x, y) => x - y));
    }
    answerOffsets[ei + 1] = answerRuns.length;
  });
  const answerTerms = Int32Array.from(answerRuns);
  const rescore = answerTerms.length > 0 ? Math.max(0, options.answerRescore ?? DEFAULTS.answerRescore) : 0;

  // Scratch buffers reused across queries (search is synchronous, so no interleaving).
  const acc = new Float32Array(nDocs);
  const touched = new Int32Array(nDocs);
  const entryTop = new Float32Array(entries.length * slots);
  const entryBestDoc = new Int32Array(entries.length).fill(-1);
  const entryTouched = new Int32Array(entries.length);

  function rankBase(query: string, k: number, excludeDoc: number): RankedCandidate[] {
    const counts = countTerms(terms(query, "query"));
    if (counts.size === 0 || nDocs === 0) return [];
    let qLen = 0;
    for (const [term, c] of counts) qLen += c * typeWeight(term, weights);
    const qNorm = k1 * (1 - b + (b * qLen) / avgdl);
    let nTouched = 0;
    let qSelf = 0;
    // Query terms some answer has: their phrasing term (-1 if none), answer term and full weight.
    const inAnswers: { term: number; answerTerm: number; weight: number }[] = [];
    for (const [term, qtf] of counts) {
      const tw = typeWeight(term, weights);
      const t = termIds.get(term);
      const termIdf = t === undefined ? oovIdf : (idf[t] ?? 0);
      // Query self-score uses the same BM25 shape as documents, so identical texts score ≈ 1.
      qSelf += (termIdf * tw * qtf * (k1 + 1)) / (qtf + qNorm);
      // Repeated query terms count a little more, saturating (BM25's k3 with k3 = 1).
      const qWeight = (2 * qtf) / (1 + qtf);
      const answerTerm = rescore > 0 ? answerTermIds.get(term) : undefined;
      if (answerTerm !== undefined)
        inAnswers.push({ term: t ?? -1, answerTerm, weight: termIdf * tw * qWeight });
      if (t === undefined) continue;
      const end = offsets[t + 1] ?? 0;
      for (let p = offsets[t] ?? 0; p < end; p++) {
        const d = postDocs[p] as number;
        if (d === excludeDoc) continue;
        if (acc[d] === 0) touched[nTouched++] = d;
        acc[d] = (acc[d] ?? 0) + (postW[p] ?? 0) * qWeight;
      }
    }
    // Aggregate per entry on the normalised similarity: BM25 divided by the geometric mean of the query's
    // and the phrasing's self-scores, a cosine-like measure in [0, ~1] that punishes both unmatched query
    // words and long phrasings that happen to contain them.
    let nEntries = 0;
    for (let i = 0; i < nTouched; i++) {
      const d = touched[i] as number;
      const raw = acc[d] ?? 0;
      acc[d] = 0;
      const sim = raw / Math.sqrt(qSelf * (docSelf[d] ?? 1));
      const e = docEntry[d] as number;
      const at = e * slots;
      if (entryBestDoc[e] === -1) entryTouched[nEntries++] = e;
      if (entryBestDoc[e] === -1 || sim > (entryTop[at] ?? 0)) entryBestDoc[e] = d;
      // Insertion into the entry's few best similarities (kept in descending order).
      let slot = slots - 1;
      if (sim <= (entryTop[at + slot] ?? 0)) continue;
      while (slot > 0 && sim > (entryTop[at + slot - 1] ?? 0)) {
        entryTop[at + slot] = entryTop[at + slot - 1] ?? 0;
        slot--;
      }
      entryTop[at + slot] = sim;
    }
    // Only the best `keep` entries are kept (at least two, for the margin), in a small sorted buffer:
    // sorting every touched entry allocated and sorted thousands of objects per query in a large KB.
    // A later entry with an equal aggregate goes after the earlier ones, as a stable sort would put it.
    // With answers, the best `rescore` by their phrasings are kept to be re-scored.
    const keep = Math.max(k, 2, inAnswers.length > 0 ? rescore : 0);
    const results: { e: number; agg: number; sim: number; doc: number; self: number }[] = [];
    for (let i = 0; i < nEntries; i++) {
      const e = entryTouched[i] as number;
      const slot0 = e * slots;
      const sim = entryTop[slot0] ?? 0;
      let others = 0;
      for (let j = 1; j < slots; j++) others += entryTop[slot0 + j] ?? 0;
      const agg = sim + bonus * others;
      const doc = entryBestDoc[e] ?? 0;
      entryTop.fill(0, slot0, slot0 + slots);
      entryBestDoc[e] = -1;
      if (results.length === keep && agg <= (results[keep - 1]?.agg ?? 0)) continue;
      let pos = results.length;
      while (pos > 0 && (results[pos - 1]?.agg ?? 0) < agg) pos--;
      results.splice(pos, 0, { e, sim, agg, doc, self: docSelf[doc] ?? 1 });
      if (results.length > keep) results.pop();
    }
    if (inAnswers.length > 0) {
      for (const r of results) creditAnswer(r, inAnswers, qSelf);
      results.sort((x, y) => y.agg - x.agg);
    }
    const top = results[0]?.agg ?? 0;
    const runnerUp = results[1]?.agg ?? 0;
    return results.slice(0, k).map((r, i) => {
      const entry = entries[r.e] as FaqEntry;
      // Margin to the best *other* entry: a clear winner is far likelier to be right than a near tie.
      const margin = r.agg - (i === 0 ? runnerUp : top);
      const evidence = (r.sim * Math.sqrt(qSelf * r.self)) / oovIdf;
      const x =
        cal.intercept +
        cal.best * r.sim +
        cal.others * (r.agg - r.sim) +
        cal.margin * margin +
        cal.evidence * Math.log1p(evidence);
      return {
        faqId: entry.id,
        score: logistic(x),
        baseScore: logistic(x),
        matchedQuestion: docText[r.doc] ?? entry.question,
        rank: i + 1,
        similarity: r.sim,
        aggregate: r.agg,
        margin,
        evidence,
      };
    });
  }

  /**
   * The answer as a second, lower-weight field (BM25F-like): a query word the entry's best phrasing lacks
   * and its answer has ("do you take unionpay" when the answer lists UnionPay and no phrasing does) is
   * added to that phrasing at `answerWeight` of its weight, to the match and to the phrasing's size
   * alike, so the similarity stays in [0, ~1]. Only words the phrasing lacks: a word it has already
   * counted in full, and an answer mentioning other topics in passing lends them only this share.
   */
  function creditAnswer(
    r: { e: number; agg: number; sim: number; doc: number; self: number },
    inAnswers: { term: number; answerTerm: number; weight: number }[],
    qSelf: number,
  ): void {
    const from = answerOffsets[r.e] ?? 0;
    const to = answerOffsets[r.e + 1] ?? 0;
    if (from === to) return;
    let credit = 0;
    for (const q of inAnswers) {
      if (q.term >= 0 && sortedHas(postDocs, offsets[q.term] ?? 0, offsets[q.term + 1] ?? 0, r.doc)) continue;
      if (sortedHas(answerTerms, from, to, q.answerTerm)) credit += answerWeight * q.weight;
    }
    if (credit === 0) return;
    const raw = r.sim * Math.sqrt(qSelf * r.self);
    r.self += credit;
    const sim = (raw + credit) / Math.sqrt(qSelf * r.self);
    r.agg += sim - r.sim;
    r.sim = sim;
  }

  const selfCheck = runSelfCheck(
    options.selfCheckSample ?? DEFAULTS.selfCheckSample,
    nDocs,
    (d) => {
      const own = docEntry[d] as number;
      // Only phrasings whose entry has another phrasing can be found again.
      return d > 0 && docEntry[d - 1] === own ? true : d + 1 < nDocs && docEntry[d + 1] === own;
    },
    (d) => {
      const top = rankBase(docText[d] ?? "", 1, d)[0];
      return { score: top?.baseScore ?? 0, right: top?.faqId === entries[docEntry[d] as number]?.id };
    },
  );
  const adjust = kbAdjustment(selfCheck, options.kbCalibration ?? DEFAULT_KB_CALIBRATION);

  function rank(query: string, k = 5): RankedCandidate[] {
    const ranked = rankBase(query, k, -1);
    for (const r of ranked) r.score = adjust(r.baseScore);
    return ranked;
  }

  return {
    rank,
    selfCheck,
    async search(query: string, k = 5): Promise<Candidate[]> {
      return rank(query, k).map(({ faqId, score, matchedQuestion }) => ({ faqId, score, matchedQuestion }));
    },
    stats: { entries: entries.length, phrasings: nDocs, terms: nTerms, postings: postDocs.length },
  };
}

/** Whether the ascending run values[from..to) holds `value` (binary search). */
function sortedHas(values: Int32Array, from: number, to: number, value: number): boolean {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = values[mid] as number;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** Picks up to `sample` eligible phrasings at an even stride, so the choice is deterministic. */
function runSelfCheck(
  sample: number,
  nDocs: number,
  eligible: (d: number) => boolean,
  probe: (d: number) => { score: number; right: boolean },
): SelfCheck {
  const docs: number[] = [];
  for (let d = 0; d < nDocs; d++) if (eligible(d)) docs.push(d);
  const step = sample > 0 ? Math.max(1, docs.length / sample) : Number.POSITIVE_INFINITY;
  const results: { score: number; right: boolean }[] = [];
  for (let i = 0; i < docs.length && results.length < sample; i += step) {
    results.push(probe(docs[Math.floor(i)] as number));
  }
  results.sort((a, b) => b.score - a.score);
  // rightAbove[i] = right ones among the i best-scoring probes.
  const rightAbove = new Int32Array(results.length + 1);
  results.forEach((r, i) => {
    rightAbove[i + 1] = (rightAbove[i] ?? 0) + (r.right ? 1 : 0);
  });
  const n = results.length;
  return {
    sampled: n,
    accuracy: n === 0 ? 0 : (rightAbove[n] ?? 0) / n,
    precisionAt(baseScore) {
      // Probes scoring ≥ baseScore form a prefix of the sorted list; binary search its length.
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((results[mid]?.score ?? 0) >= baseScore) lo = mid + 1;
        else hi = mid;
      }
      return ((rightAbove[lo] ?? 0) + 1) / (lo + 2);
    },
  };
}

const clampLogit = (p: number) => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

/**
 * The same base score means more in a knowledge base whose entries are rarely confused with each other
 * than in one full of near-duplicates; the self-check measures that on the knowledge base at hand, so
 * one answer threshold can serve different knowledge bases. Without a usable self-check (fewer than 20
 * probes) the base score is kept as it is.
 */
export function kbAdjustment(check: SelfCheck, cal: KbCalibration): (baseScore: number) => number {
  if (check.sampled < 20) return (s) => s;
  const scale = cal.base * (1 + cal.accuracySlope * (check.accuracy - 0.5));
  return (s) =>
    logistic(cal.intercept + scale * clampLogit(s) + cal.precision * clampLogit(check.precisionAt(s)));
}
