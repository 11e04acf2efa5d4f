import { isHan, normalize } from "../core/text";

/**
 * Tokenizer shared by lexical retrieval and the triggers: Chinese via the platform's ICU word segmenter
 * (Intl.Segmenter, present in Node 20/22 and Lambda, so nothing native to bundle) plus character
 * n-grams, English via lower-casing, a light suffix stripper and a small stop list.
 */

/**
 * English contractions: negations carry intent ("card doesn't work"), the other clitics don't. Customers
 * often type negations without the apostrophe ("havent", "doesnt", "cant"), so those read the same.
 */
function expandContractions(text: string): string {
  return text
    .replace(/\bcan'?t\b/g, "can not")
    .replace(/\bwon't\b/g, "will not")
    .replace(/n't\b/g, " not")
    .replace(/\b(do|does|did|is|are|was|were|has|have|had|could|would|should)nt\b/g, "$1 not")
    .replace(/'(s|re|ve|ll|d|m)\b/g, "");
}

/**
 * Misspellings common enough in customers' English to be worth reading right ("recieved"); the character
 * trigrams catch other typos only partly (a swapped "ie" shares few trigrams with "ei").
 */
const EN_SPELLING = new Map(
  Object.entries({
    recieve: "receive",
    recieved: "received",
    recieving: "receiving",
    reciept: "receipt",
    adress: "address",
    untill: "until",
    wich: "which",
    definately: "definitely",
    seperate: "separate",
    seperately: "separately",
  }),
);

/** Small, deliberately conservative English stop list: question words and negations carry intent, so they stay. */
const EN_STOP = new Set(
  (
    "a an the is are was were be been being am to of in on at for and or but i me my mine myself you your " +
    "yours we us our it its this that these those do does did doing done have has had having there here " +
    "so as by with from into about please pls plz hi hello hey thanks thank just also too very really " +
    "would could should shall will may might must im ive id ill youre it's i'm i've i'd i'll let lets get got " +
    // Chat shorthand: "u" / "ur" / "r" for you / your / are, "rn" right now, "tho", "lol", "btw", "thx".
    "u ur r rn tho lol btw thx ty"
  ).split(" "),
);

/** Chinese function words and fillers; removed as words and as single characters. */
const ZH_STOP = new Set(
  (
    "的 了 吗 呢 吧 啊 呀 哦 嗯 么 嘛 啦 哈 着 过 之 地 得 和 与 及 或 是 在 我 你 您 他 她 它 我们 你们 " +
    "我的 你的 这 那 这个 那个 一下 请 请问 麻烦 帮 帮我 给 我 我想 想 要 我要 能 能不能 可以 可不可以 一个 个 " +
    "就 都 也 还 又 把 被 让 吗？ 哪 下 好 谢谢 你好 您好"
  ).split(" "),
);

/** Stop-word lists are exported so triggers can reuse the same notion of "filler". */
export function isStopWord(token: string): boolean {
  return EN_STOP.has(token) || ZH_STOP.has(token);
}

const VOWEL = /[aeiouy]/;

/**
 * A light English suffix stripper (plural, -ed, -ing, -ly, -ment, -ness, -ation…): conflates the
 * inflections customers actually vary ("charged"/"charges"/"charging") without Porter's aggressive
 * over-stemming. Words of four letters or fewer are left alone.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 4 || !/^[a-z]+$/.test(w)) return w;
  // Plurals and 3rd person.
  if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("ies")) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && !w.endsWith("is")) w = w.slice(0, -1);
  // Derivational endings first (longest match), then inflections.
  const rules: [string, string][] = [
    ["ational", "ate"],
    ["ization", "ize"],
    ["fulness", "ful"],
    ["iveness", "ive"],
    ["ation", "ate"],
    ["ement", ""],
    ["ment", ""],
    ["ness", ""],
    ["ably", "able"],
    ["ally", "al"],
    ["ily", "y"],
    ["ly", ""],
  ];
  for (const [suffix, repl] of rules) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length) + repl;
      break;
    }
  }
  for (const suffix of ["ing", "ed"]) {
    if (w.endsWith(suffix)) {
      const base = w.slice(0, -suffix.length);
      if (base.length >= 3 && VOWEL.test(base)) {
        w = base;
        // "stopped" → "stop", "charging" → "charg" ← "charge"→"charg" below keeps both forms equal.
        if (/([^aeiouslz])\1$/.test(w)) w = w.slice(0, -1);
      }
      break;
    }
  }
  // Drop a final silent "e" so "charge", "charged", "charging" all meet at "charg".
  if (w.length > 4 && w.endsWith("e") && !w.endsWith("ee")) w = w.slice(0, -1);
  return w;
}

export interface TokenizeOptions {
  /** Keep stop words (the triggers want "I", "you", "not"…). Default false. */
  keepStopWords?: boolean;
  /** Emit Chinese character unigrams ("u:x") and bigrams ("b:xy") besides words. Default true. */
  charNgrams?: boolean;
  /** Emit English character trigrams ("t:abc") of each word, for typos. Default false. */
  charTrigrams?: boolean;
}

let segmenter: Intl.Segmenter | undefined;
function zhSegmenter(): Intl.Segmenter {
  segmenter ??= new Intl.Segmenter("zh", { granularity: "word" });
  return segmenter;
}

/**
 * Splits text into index terms. English words are stemmed; Chinese runs are segmented into words, and
 * (by default) also into character unigrams "u:x" and bigrams "b:xy", because ICU's dictionary misses
 * domain words and customers' typos, and short queries need character overlap to match at all.
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const keepStop = options.keepStopWords ?? false;
  const ngrams = options.charNgrams ?? true;
  const out: string[] = [];
  const norm = expandContractions(normalize(text));
  let hanRun = "";
  const flushRun = () => {
    if (hanRun === "") return;
    if (ngrams) {
      const chars = [...hanRun];
      for (let i = 0; i < chars.length; i++) {
        const c = chars[i] as string;
        if (keepStop || !ZH_STOP.has(c)) out.push(`u:${c}`);
        if (i + 1 < chars.length) out.push(`b:${c}${chars[i + 1]}`);
      }
    }
    hanRun = "";
  };
  for (const seg of zhSegmenter().segment(norm)) {
    if (!seg.isWordLike) {
      flushRun();
      continue;
    }
    const word = seg.segment;
    if (isHan(word[0] ?? "")) {
      hanRun += word;
      if (keepStop || !ZH_STOP.has(word)) out.push(word);
      continue;
    }
    flushRun();
    // Latin/digit tokens: ICU keeps "it's" and "e-mail" together; split on anything non-alphanumeric.
    for (const part of word.split(/[^\p{L}\p{N}]+/u)) {
      if (part === "") continue;
      if (!keepStop && EN_STOP.has(part)) continue;
      const spelled = EN_SPELLING.get(part) ?? part;
      const w = /^[a-z]+$/.test(spelled) ? stem(spelled) : spelled;
      out.push(w);
      if (options.charTrigrams && spelled.length > 3) {
        const padded = `^${spelled}$`;
        for (let i = 0; i + 3 <= padded.length; i++) out.push(`t:${padded.slice(i, i + 3)}`);
      }
    }
  }
  flushRun();
  return out;
}
