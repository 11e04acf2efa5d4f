import { normalize } from "../text";

/**
 * The language a message is written in, beyond the two Kefu writes (zh, en), so that a message in
 * another language is never answered silently in a third one.
 *
 * A script rule first — kana is Japanese (a Japanese sentence nearly always has some, even among
 * kanji), Hangul Korean, Cyrillic Russian, Han without kana Chinese — then, for Latin text, a stopword
 * rule: the language whose common short words (and accented letters) the message uses most, English
 * when none stands out. No dependency: franc-style trigram models need ~100+ characters to be reliable
 * and customer messages are mostly shorter; these scripts and stopwords decide short messages well.
 */
export type WrittenLanguage = "zh" | "en" | "ja" | "ko" | "ru" | "fr" | "de" | "es" | "unknown";

const KANA = /[\u3040-\u30ff\u31f0-\u31ff]/g;
const HANGUL = /[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]/g;
const CYRILLIC = /[\u0400-\u04ff]/g;
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g;

const STOPWORDS: Record<"en" | "fr" | "de" | "es", Set<string>> = {
  en: new Set(
    "the a an is are was do does can i you my your to of in on for and or not it this that what how when where with have has be will".split(
      " ",
    ),
  ),
  fr: new Set(
    "le la les un une des est sont je vous nous mon ma mes votre vos de du en et ou pas ce cette que qui quoi comment quand où avec pour sur est-ce bonjour merci livrez".split(
      " ",
    ),
  ),
  de: new Set(
    "der die das ein eine ist sind ich sie wir mein meine ihr ihre zu von in und oder nicht es was wie wann wo mit für auf haben hallo danke bitte kann können".split(
      " ",
    ),
  ),
  es: new Set(
    "el la los las un una es son yo usted mi mis su sus de del en y o no que qué como cómo cuando cuándo dónde con para por hola gracias aceptan puedo".split(
      " ",
    ),
  ),
};
const ACCENTS: Partial<Record<"fr" | "de" | "es", RegExp>> = {
  fr: /[àâçèéêëîïôœùûÿ]/g,
  de: /[äöüß]/g,
  es: /[áéíñóú¿¡]/g,
};

export function identifyLanguage(text: string): WrittenLanguage {
  const count = (re: RegExp) => text.match(re)?.length ?? 0;
  const kana = count(KANA);
  const hangul = count(HANGUL);
  const cyrillic = count(CYRILLIC);
  const han = count(HAN);
  if (kana > 0 && kana >= han / 4) return "ja";
  if (hangul > 0 && hangul >= han) return "ko";
  if (cyrillic > 0 && cyrillic * 2 >= count(/[a-z]/gi)) return "ru";
  if (han > 0) return han >= 2 || count(/[a-z]/gi) < 3 ? "zh" : latinLanguage(text);
  return latinLanguage(text);
}

function latinLanguage(text: string): WrittenLanguage {
  const words = normalize(text).match(/[\p{L}'-]+/gu) ?? [];
  if (words.length === 0) return "unknown";
  const scores = (Object.keys(STOPWORDS) as (keyof typeof STOPWORDS)[]).map((language) => {
    let score = words.filter((word) => STOPWORDS[language].has(word)).length;
    const accents = ACCENTS[language as "fr" | "de" | "es"];
    if (accents) score += Math.min(2, normalize(text).match(accents)?.length ?? 0);
    return { language, score };
  });
  const best = scores.reduce((a, b) => (b.score > a.score ? b : a));
  // English unless another language clearly leads: "ok", "PayPal?" and names stay English.
  const english = scores.find((s) => s.language === "en")?.score ?? 0;
  return best.language !== "en" && best.score >= 2 && best.score > english ? best.language : "en";
}

/** Does Kefu write this language itself? */
export function isSupported(language: WrittenLanguage): language is "zh" | "en" | "unknown" {
  return language === "zh" || language === "en" || language === "unknown";
}
