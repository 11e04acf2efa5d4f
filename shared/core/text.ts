/**
 * Text helpers of the domain: the one normalisation every matcher uses (retrieval, triggers, the
 * clarify picker) and the customer's language, so that nothing above the core needs the tokenizer for them.
 */

/** The languages Kefu writes its own sentences in. */
export type Language = "zh" | "en";

/** Full-width → half-width (NFKC), lower case, and unify whitespace. */
export function normalize(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\u2018\u2019`´]/g, "'")
    .replace(/\s+/g, " ")
    .trim();
}

/** A normalised message with punctuation and symbols as single spaces: the words short replies are read by. */
export function spaced(normalized: string): string {
  return normalized
    .replace(/[\p{P}\p{S}]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

// Han ideographs (CJK Unified + Extension A + Compatibility).
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
const HAN_G = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g;
const LATIN_G = /[a-z]/gi;

export function isHan(ch: string): boolean {
  return HAN.test(ch);
}

/** Links are not written in a language: a pasted order link must not make a message English. */
const LINKS_G = /\b(?:https?:\/\/|www\.)\S+/gi;

/**
 * English words a sentence cannot do without. Latin words with none of them beside Chinese are names:
 * brands, models, product lines ("我买的 Nike Air Jordan 1 Retro High OG 可以退吗").
 */
const ENGLISH_GRAMMAR = new Set(
  "the a an is are was were be do does did can could would will should i you he she we they my your our his her their me us it this that to of in on at for from with and or not no what how when where why which who have has had please".split(
    " ",
  ),
);

/**
 * "zh" when Han characters carry a meaningful share of the text, "en" otherwise. One Han character in an
 * English sentence (a name) does not make it Chinese; a Chinese sentence with an English brand does stay
 * Chinese, because each Han character carries about a word's worth of meaning, and so does one whose
 * Latin words are all names, or a link.
 */
export function detectLanguage(text: string, fallback: Language = "zh"): Language {
  const written = text.replace(LINKS_G, " ");
  const han = written.match(HAN_G)?.length ?? 0;
  const words = written.match(/[a-z]+/gi) ?? [];
  if (han === 0 && words.length === 0) return fallback;
  // Compare Han characters with Latin words, weighting words ×1.5: "我要apple pay" is zh.
  if (han >= words.length * 1.5 || (han >= 2 && (written.match(LATIN_G)?.length ?? 0) < 3)) return "zh";
  return han >= 2 && !words.some((word) => ENGLISH_GRAMMAR.has(word.toLowerCase())) ? "zh" : "en";
}
