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

/**
 * "zh" when Han characters carry a meaningful share of the text, "en" otherwise. One Han character in an
 * English sentence (a name) does not make it Chinese; a Chinese sentence with an English brand does stay
 * Chinese, because each Han character carries about a word's worth of meaning.
 */
export function detectLanguage(text: string, fallback: Language = "zh"): Language {
  const han = text.match(HAN_G)?.length ?? 0;
  const latinWords = text.match(/[a-z]+/gi)?.length ?? 0;
  if (han === 0 && latinWords === 0) return fallback;
  // Compare Han characters with Latin words, weighting words ×1.5: "我要apple pay" is zh.
  return han >= latinWords * 1.5 || (han >= 2 && (text.match(LATIN_G)?.length ?? 0) < 3) ? "zh" : "en";
}
