import { graphemeBoundary, stripMarkdown } from "../../core/render";
import { countSegments, isGsm7 } from "./encoding";

/**
 * Turns a reply written for chat (markdown, blank lines, bullets) into compact SMS text, and cuts it to
 * a number of segments. Pure.
 */

/**
 * Typographic characters that force a whole message into UCS-2 (halving its capacity) for no visible
 * gain, and their GSM-7 look-alikes: the same substitution Twilio calls "smart encoding".
 */
const LOOK_ALIKES: [RegExp, string][] = [
  [/[‘’‚‛′`]/g, "'"],
  [/[“”„‟″«»]/g, '"'],
  [/[‐‑‒–—―−]/g, "-"],
  [/…/g, "..."],
  [/[•·▪◦]/g, "-"],
  [/[\u00a0\u2000-\u200a\u202f\u205f\u3000]/g, " "],
  [/[\u200b-\u200d\u2060\ufeff]/g, ""],
];

/** Markdown to SMS text: no markup, one line per paragraph or list item, no runs of spaces. */
export function toSmsText(markdown: string): string {
  const plain = stripMarkdown(markdown)
    // mailto:/tel: targets read better as the bare address or number.
    .replace(/\b(?:mailto|tel):([^\s)]+)/g, "$1")
    .replace(/^([ \t]*)• /gm, "$1- ")
    .split("\n")
    .map((line) => line.replace(/[ \t]+/g, " ").trim())
    .filter((line) => line !== "")
    .join("\n");
  let smart = plain;
  for (const [pattern, replacement] of LOOK_ALIKES) smart = smart.replace(pattern, replacement);
  // Only worth it when it makes the whole message GSM-7; in a Chinese reply “” and … are the right marks.
  return isGsm7(smart) ? smart : plain;
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

export type SmsLanguage = "zh" | "en";

export function smsLanguage(text: string): SmsLanguage {
  return CJK.test(text) ? "zh" : "en";
}

export interface FitOptions {
  maxSegments: number;
  /** What follows a cut reply: "Reply MORE for the rest", or a link. Chosen by the reply's language. */
  continuation: (language: SmsLanguage) => string;
}

export interface Fitted {
  /** What to send now: the whole text, or a prefix ending at a sentence boundary plus the continuation. */
  text: string;
  /** What did not fit (empty when everything did). */
  rest: string;
}

/**
 * Fits text into `maxSegments` segments. A text that does not fit is cut at the last sentence end (or
 * line end) that leaves the part at least half full, else at a comma or space, else between graphemes;
 * the continuation goes on its own line after the cut and counts towards the limit.
 */
export function fitSegments(text: string, options: FitOptions): Fitted {
  if (!Number.isInteger(options.maxSegments) || options.maxSegments < 1) {
    throw new RangeError("maxSegments must be a positive integer");
  }
  const whole = text.trim();
  if (countSegments(whole).segments <= options.maxSegments) return { text: whole, rest: "" };

  const suffix = `\n${options.continuation(smsLanguage(whole))}`;
  const fits = (end: number) =>
    countSegments(`${whole.slice(0, end).trimEnd()}${suffix}`).segments <= options.maxSegments;

  // Longest prefix (on a code-point boundary) that fits with the suffix: segments only grow with length.
  const boundaries = codePointBoundaries(whole);
  let lo = 0;
  let hi = boundaries.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(boundaries[mid] ?? 0)) lo = mid;
    else hi = mid - 1;
  }
  const limit = boundaries[lo] ?? 0;
  if (limit === 0) throw new RangeError("the continuation alone does not fit in the segment limit");

  const cut = bestCut(whole, limit);
  return {
    text: `${whole.slice(0, cut).trimEnd()}${suffix}`,
    rest: whole.slice(cut).trim(),
  };
}

function codePointBoundaries(text: string): number[] {
  const out = [0];
  let i = 0;
  for (const char of text) {
    i += char.length;
    out.push(i);
  }
  return out;
}

// `(?<!\.)`: a run of dots is tried from its first dot only, not again from each one (quadratic).
const SENTENCE_END = /[。！？!?…]+[”’」』）)\]"']*|(?<!\.)\.+[”’」』）)\]"']*(?=\s|$)|\n/g;
const SOFT_BREAK = /[，、；：,;:]|\s/g;

function bestCut(text: string, limit: number): number {
  const minimum = Math.ceil(limit / 2);
  for (const pattern of [SENTENCE_END, SOFT_BREAK]) {
    let best = -1;
    for (const m of text.matchAll(pattern)) {
      const end = m.index + m[0].length;
      if (end > limit) break;
      best = end;
    }
    if (best >= minimum) return best;
  }
  return graphemeBoundary(text, limit);
}
