import { type FaqEntry, phrasings } from "../core/faq";
import { isHan, normalize } from "../core/text";

/**
 * What the knowledge base plainly covers: a customer who types one of an entry's phrasings — give or
 * take punctuation, full/half width, case, spaces and particles like 的/了/吗/呢 — gets that entry,
 * whatever the scores say. Scores are relative to the rest of the knowledge base (a new entry among
 * near-identical ones, "JSON问题三" beside "JSON问题二", scores low), so this is a lookup before scoring,
 * not a threshold.
 *
 * A question that is one whole clause of a phrasing ("运费怎么算？" of "运费怎么算？满多少包邮？") counts
 * too, when it is long enough to be a question by itself and belongs to that entry only.
 */

export interface ExactMatch {
  faqId: string;
  /** The phrasing matched. */
  phrasing: string;
  /** "phrasing": the whole phrasing; "clause": one clause of it. */
  via: "phrasing" | "clause";
}

export interface ExactIndex {
  match(text: string): ExactMatch | undefined;
}

/** Particles that end a Chinese question or clause without changing what it asks. */
const FINAL_PARTICLES = new Set([..."吗嘛么呢呀啊吧哦啦哈嘞呐"]);
/** Particles that change nothing where they are dropped in a question: "我的订单" = "我订单", "到了吗" = "到吗". */
const INNER_PARTICLES = /[的了]/gu;
/** Clause boundaries: sentence and clause punctuation (after NFKC, so full-width forms are ASCII). */
const CLAUSE_BREAK = /[?!.,;:。，、；：？！…~\n]+/u;
const NOT_TEXT = /[\s\p{P}\p{S}]+/gu;

/** One clause reduced to what it asks: no punctuation, spaces or particles. */
function clauseKey(clause: string): string {
  const chars = [...clause.replace(NOT_TEXT, "")];
  // Trimmed from the end by hand: a `[…]+$` regex retries from every particle of a long run.
  let end = chars.length;
  while (end > 0 && FINAL_PARTICLES.has(chars[end - 1] as string)) end--;
  return chars.slice(0, end).join("").replace(INNER_PARTICLES, "");
}

function clauses(text: string): string[] {
  return normalize(text)
    .split(CLAUSE_BREAK)
    .map(clauseKey)
    .filter((k) => k !== "");
}

/** The key two texts share when they ask the same thing in the same words. */
export function questionKey(text: string): string {
  return clauses(text).join("");
}

/**
 * Long enough to be a question by itself: four Han characters ("运费怎么算"), or three words of
 * another script. Shorter clauses ("请问", "hi there") are openers, not questions.
 */
function standsAlone(clause: string, words: number): boolean {
  const han = [...clause].filter(isHan).length;
  return han >= 4 || (han === 0 && words >= 3);
}

/** Builds the lookup over every phrasing of every entry. A key two entries share matches neither. */
export function createExactIndex(entries: FaqEntry[]): ExactIndex {
  const whole = new Map<string, ExactMatch | null>();
  const partial = new Map<string, ExactMatch | null>();
  const add = (map: Map<string, ExactMatch | null>, key: string, match: ExactMatch) => {
    const seen = map.get(key);
    if (seen === undefined) map.set(key, match);
    else if (seen !== null && seen.faqId !== match.faqId) map.set(key, null);
  };
  for (const entry of entries) {
    for (const phrasing of phrasings(entry)) {
      const key = questionKey(phrasing);
      if (key === "") continue;
      add(whole, key, { faqId: entry.id, phrasing, via: "phrasing" });
      const parts = normalize(phrasing).split(CLAUSE_BREAK);
      if (parts.filter((p) => clauseKey(p) !== "").length < 2) continue;
      for (const part of parts) {
        const k = clauseKey(part);
        if (k !== "" && standsAlone(k, part.trim().split(/\s+/).length))
          add(partial, k, { faqId: entry.id, phrasing, via: "clause" });
      }
    }
  }
  return {
    match(text) {
      const key = questionKey(text);
      if (key === "") return undefined;
      const exact = whole.get(key);
      // Another entry's whole phrasing is more specific than a clause: an ambiguous whole key stops here.
      if (exact !== undefined) return exact ?? undefined;
      return partial.get(key) ?? undefined;
    },
  };
}
