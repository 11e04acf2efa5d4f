import type { FaqEntry } from "../faq";
import { phrasings } from "../faq";
import { isHan, type Language, normalize } from "../text";
import { conceptMentions } from "./lexicon";

/**
 * What the knowledge base is about, for the two things the bot says without an entry: the examples in a
 * greeting or a scope statement ("I can help with orders, shipping, returns…"), and whether an
 * unanswered question is off-topic ("what's the capital of France?") or a question in scope that the
 * KB does not answer confidently (which still goes to a person: precision first).
 *
 * The in-scope rule, testable and independent of any list of off-topic examples: a message is in scope
 * when one of its content terms is in the KB's questions (phrasings and categories), or two are in its
 * answers (one right after an answer: the customer may ask about its words). Terms are Chinese character
 * bigrams and English words (lower case, plural "s" dropped), and the concepts they name but places (lexicon.ts: "unionpay" where a phrasing names a credit card); question
 * shape and function words (怎么/什么/可以…, how/what/can…) are not content. (Terms shared by many entries
 * — order, 发货 — are the KB's core vocabulary, so no frequency cut-off.)
 * A question addressed to the shop or about its products (你们…, "do you offer…", "…on it") is in scope.
 * Anything the rule cannot read (digits, emoji, a script it does not split) counts as in scope.
 */
export interface KnowledgeScope {
  /** Up to `max` category names in `language`, the largest first (empty when the KB has none). */
  topics(language: Language, max?: number): string[];
  /**
   * Does the text share a content term with the knowledge base? `afterAnswer`: the conversation has a
   * topic (the bot just answered or offered entries), so the words of the answers count in full.
   */
  inScope(text: string, context?: { afterAnswer?: boolean }): boolean;
}

/** Question shape and function words: in every question whatever its topic. */
const ZH_SHAPE = new Set(
  (
    "怎么 怎样 什么 为什么 可以 可不可 不可 以吗 能不 不能 能否 是不 不是 是否 多少 多久 多长 长时 时间 哪里 哪些 哪个 哪儿 " +
    "请问 你们 我们 我的 你的 一下 知道 还是 还能 能够 需要 如果 的话 这个 那个 有没 没有 有什 有吗 了吗 吗？ 是什 么办 " +
    "怎么办 要怎 么样 么用 的是 了怎 后还 后可 后多 以后 之后 现在 已经 一个 自己 帮我 给我 想问 问下 问一 下吗 呢？"
  ).split(" "),
);
const EN_STOP = new Set(
  (
    "a an the i me my we our you your it its is are was were be been am do does did can could would should will " +
    "shall may might must have has had to of in on at for from by with about as and or but if so not no yes this " +
    "that these those there here what when where which who whom why how much many any some all just get got " +
    "please pls thanks hi hello ok okay hey like want need know tell there s t d ll m re ve today tomorrow " +
    "yesterday tonight now isnt arent wasnt werent dont doesnt didnt cant couldnt wont wouldnt shouldnt " +
    "hasnt havent hadnt tho though"
  ).split(" "),
);

/**
 * A question about the shop itself or its products ("你们招不招代理", "do you offer gift wrapping",
 * "what's the warranty on it"): in scope whatever its words, for a person to answer if the KB cannot.
 */
const ADDRESSED_TO_THE_SHOP =
  /你们|贵司|贵店|店里|这款|这件|商品|产品|\b(do|can|will|did|could) you (offer|sell|have|ship|accept|do|take|price|provide|carry|deliver|match)\b|\byour (shop|store|company|products?|warranty|policy|site|app|website)\b|\b(on|for|with) (it|this|that)\b|\bthis (item|product|one)\b/;

/**
 * Time words say when, not what: "今天天气怎么样" shares 今天 with "今天下单什么时候发货" and is still
 * about the weather.
 */
const ZH_TIME = new Set(
  "今天 明天 昨天 后天 前天 今晚 明晚 昨晚 今早 明早 周末 刚才 马上 今年 明年 去年 上午 下午 晚上 早上 中午 天天".split(
    " ",
  ),
);
/** A bigram with a particle or a colloquial question word is sentence shape ("啥好", "咋弄", "货吗"). */
const ZH_PARTICLE = /[吗呢吧啊呀嘛哦哈啦啥咋]/;
/**
 * A numeral or demonstrative before a measure word is a quantity, not a topic: "推荐一部电影" is not about
 * "退一部分" (部分 still is content), "两件" and "几块" name how many, not what.
 */
const ZH_QUANTITY =
  /^[一二两三四五六七八九十百几每这那哪半][个件部台张次份块本条只双套把位家种款支瓶包箱盒单笔]$/;

function isZhShape(gram: string): boolean {
  return ZH_SHAPE.has(gram) || ZH_TIME.has(gram) || ZH_PARTICLE.test(gram) || ZH_QUANTITY.test(gram);
}

function stem(word: string): string {
  return word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word;
}

/** Content terms of a text: Han bigrams (and lone Han characters between non-Han) and English words. */
export function contentTerms(text: string): string[] {
  const norm = normalize(text);
  const terms: string[] = [];
  for (const run of norm.match(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g) ?? []) {
    const chars = [...run];
    for (let i = 0; i + 1 < chars.length; i++) {
      const gram = `${chars[i]}${chars[i + 1]}`;
      if (!isZhShape(gram)) terms.push(gram);
    }
  }
  for (const word of norm.replace(/'/g, "").match(/[a-z]+/g) ?? []) {
    if (word.length > 1 && !EN_STOP.has(word)) terms.push(stem(word));
  }
  // "unionpay" is in scope of a knowledge base that takes credit cards (lexicon.ts). A place says where,
  // not what, as time words say when: "the capital of france" and "上海下雨吗" stay off-topic.
  for (const { term } of conceptMentions(norm)) if (term !== "c:place") terms.push(term);
  return terms;
}

export function buildScope(entries: FaqEntry[]): KnowledgeScope {
  const asked = new Set<string>();
  const answered = new Set<string>();
  const categories = new Map<string, number>();
  for (const entry of entries) {
    for (const term of contentTerms([...phrasings(entry), entry.category ?? ""].join("\n"))) asked.add(term);
    for (const term of contentTerms(entry.answer)) answered.add(term);
    if (entry.category) categories.set(entry.category, (categories.get(entry.category) ?? 0) + 1);
  }
  const ranked = [...categories].sort((a, b) => b[1] - a[1]).map(([name]) => name);
  return {
    topics(language, max = 4) {
      const own = ranked.filter((name) => [...name].some(isHan) === (language === "zh"));
      return (own.length > 0 ? own : ranked).slice(0, max);
    },
    inScope(text, context = {}) {
      if (ADDRESSED_TO_THE_SHOP.test(normalize(text))) return true;
      const terms = contentTerms(text);
      // Nothing the rule can read ("2+2", an emoji): not for the rule to call off-topic.
      if (terms.length === 0) return true;
      if (terms.some((term) => asked.has(term))) return true;
      const fromAnswers = new Set(terms.filter((term) => answered.has(term)));
      // Right after an answer the customer may ask about its words ("照片要拍哪些" after the answer that asks
      // for photos). Otherwise one word of an answer alone is weak evidence: answers are long and say much
      // in passing ("out of stock", "发票会…", "the best way"), so "any good stocks to buy" is not about the
      // shop; two such words are.
      return context.afterAnswer ? fromAnswers.size >= 1 : fromAnswers.size >= 2;
    },
  };
}
