import type { Channel } from "../message";
import { type Language, normalize } from "../text";
import { sentence, type TextOverrides } from "../texts";

/**
 * Customer satisfaction: after a ticket is resolved the customer is asked, on their channel, to rate
 * the help 1–5 (with an optional comment); a rating that comes back within the window is recorded on the
 * ticket and is not taken as a new question. This module reads a rating out of a message and words the
 * question.
 */

export type CsatScore = 1 | 2 | 3 | 4 | 5;

export interface CsatRating {
  score: CsatScore;
  comment?: string;
}

/** The longest message still read as a rating: a paragraph is a new question, not a score with a note. */
const MAX_RATING_CHARS = 200;

const CHINESE_DIGITS: Record<string, CsatScore> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5 };

/** Words that are a rating on their own, longest first so "非常满意" is not read as "满意". */
const WORDS: [string, CsatScore][] = (
  [
    ["非常不满意", 1],
    ["很不满意", 1],
    ["极不满意", 1],
    ["very dissatisfied", 1],
    ["very unsatisfied", 1],
    ["very poor", 1],
    ["terrible", 1],
    ["不太满意", 2],
    ["不满意", 2],
    ["dissatisfied", 2],
    ["unsatisfied", 2],
    ["poor", 2],
    ["一般般", 3],
    ["一般", 3],
    ["还行", 3],
    ["neutral", 3],
    ["非常满意", 5],
    ["很满意", 5],
    ["超级满意", 5],
    ["very satisfied", 5],
    ["excellent", 5],
    ["满意", 4],
    ["satisfied", 4],
    ["good", 4],
  ] as [string, CsatScore][]
).sort((a, b) => b[0].length - a[0].length);

/** What may follow a score before a comment: a blank or punctuation. */
const SEPARATOR = /^[\s,，.。:：;；!！~～、\-—()（）]/u;

const PUNCTUATION = /^\s*[,，.。:：;；!！~～、\-—()（）]/u;

const asScore = (n: number): CsatScore | undefined =>
  Number.isInteger(n) && n >= 1 && n <= 5 ? (n as CsatScore) : undefined;

/**
 * The rating a message gives, if it is one: "5", "５", "4/5", "5分", "五星", "★★★★", "⭐⭐⭐⭐⭐", "非常满意",
 * "very satisfied", each optionally followed by a comment ("4 物流有点慢" → 4, "物流有点慢"). A number
 * outside 1–5 or a longer message is not a rating (a customer writing "12" or an order number asks
 * something new).
 */
export function parseRating(text: string): CsatRating | undefined {
  const raw = text.trim();
  if (!raw || [...raw].length > MAX_RATING_CHARS) return undefined;
  const plain = normalize(raw);

  const rated = (score: CsatScore | undefined, rest: string): CsatRating | undefined => {
    // The score stands apart from what follows: "5号订单" and "一般多久发货" ask something.
    if (!score || (rest && !SEPARATOR.test(rest))) return undefined;
    const comment = rest.replace(/^[\s,，.。:：;；!！~～、\-—]+/u, "").trim();
    return comment ? { score, comment } : { score };
  };

  const stars = /^([★⭐]{1,5})(?![★⭐])/u.exec(plain);
  if (stars?.[1]) return rated(asScore([...stars[1]].length), plain.slice(stars[0].length));

  // 5 / 5分 / 5星 / 5 stars / 4/5 / 4 out of 5 — the number stands alone (not "50", not "5.5").
  const number =
    /^([0-9]+)(?:\s*(?:\/\s*5|out of 5|分|星|颗星|stars?|points?)|(?![0-9.]))/u.exec(plain) ??
    /^([一二两三四五])\s*(?:分|星|颗星)/u.exec(plain);
  if (number?.[1]) {
    const digit = number[1];
    const score = CHINESE_DIGITS[digit] ?? asScore(Number(digit));
    return rated(score, plain.slice(number[0].length));
  }

  for (const [word, score] of WORDS) {
    if (!plain.startsWith(word)) continue;
    const rest = plain.slice(word.length);
    // A word with a comment needs punctuation between: "good morning" greets, "满意，谢谢" rates.
    if (rest && !PUNCTUATION.test(rest)) return undefined;
    return rated(score, rest);
  }
  return undefined;
}

/**
 * The question sent when a ticket is resolved, in the wording `texts` gives the channel (a channel module
 * may bring its own: SMS's is short), else the core's (texts.ts `csatQuestion`).
 */
export function csatQuestion(
  language: Language,
  channel: Channel,
  ticketId: string,
  texts?: TextOverrides,
): string {
  return sentence("csatQuestion", language, channel, texts, { ticket: ticketId });
}
