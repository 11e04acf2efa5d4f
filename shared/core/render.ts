/**
 * Rendering helpers shared by every channel: most platforms take plain text with a size limit, counted
 * in UTF-8 bytes (WeChat, WeCom) or in characters (SMS). Pure functions, no channel knowledge.
 */

/**
 * Markdown to plain text for channels that show the asterisks literally. Keeps the words and the line
 * structure (lists stay one item a line) and drops only the markup; link targets stay visible because a
 * customer on a plain-text channel cannot click the words.
 */
export function stripMarkdown(text: string): string {
  const out: string[] = [];
  let inFence = false;
  for (const rawLine of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (/^\s*(```|~~~)/.test(rawLine)) {
      inFence = !inFence;
      continue;
    }
    // Code is shown as written: its asterisks and underscores are content, not emphasis.
    if (inFence) {
      out.push(rawLine);
      continue;
    }
    out.push(stripLine(rawLine));
  }
  return out
    .join("\n")
    .replace(/(?<![ \t])[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function stripLine(line: string): string {
  if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) return "";
  const heading = /^\s{0,3}#{1,6}\s+(.*?)(\s+#+)?\s*$/.exec(line);
  const s = (heading ? (heading[1] ?? "") : line)
    .replace(/^(\s*)>\s?/, "$1")
    .replace(/^(\s*)[-*+]\s+(\[[ xX]\]\s+)?/, "$1• ");
  // Inline code spans (odd pieces of the split) are kept verbatim: their asterisks are content.
  return s
    .split(/`([^`]+)`/)
    .map((piece, i) => (i % 2 === 1 ? piece : stripInline(piece)))
    .join("");
}

function stripInline(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (_m, alt: string, url: string) =>
      linkText(alt, url),
    )
    .replace(/\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (_m, label: string, url: string) =>
      linkText(label, url),
    )
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, "$2")
    .replace(/(^|[^*\w])\*(?=\S)([^*]*?\S)\*(?![*\w])/g, "$1$2")
    .replace(/(^|[^_\w])_(?=\S)([^_]*?\S)_(?![_\w])/g, "$1$2")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "$1")
    .replace(/\\([\\`*_{}[\]()#+\-.!>~|])/g, "$1");
}

function linkText(label: string, url: string): string {
  const l = label.trim();
  if (!l || l === url) return url;
  return `${l} (${url})`;
}

/**
 * Splits text into parts of at most `maxBytes` UTF-8 bytes. Never splits a code point (nor, where the
 * runtime can tell, a grapheme such as a flag or a family emoji); prefers to cut after a paragraph, then a
 * line, then a sentence end (。！？.!?), then a comma or space, and only then anywhere. Whitespace at the
 * cut points is dropped; no part is empty.
 */
export function splitByBytes(text: string, maxBytes: number): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < 4) {
    throw new RangeError("maxBytes must be an integer of at least 4 (one UTF-8 code point)");
  }
  return splitWith(text, maxBytes, utf8Size);
}

/**
 * Like splitByBytes, with the limit counted in UTF-16 code units: what SMS (UCS-2) and most "characters"
 * limits in platform APIs count, so an emoji counts as two.
 */
export function splitByLength(text: string, maxChars: number): string[] {
  if (!Number.isInteger(maxChars) || maxChars < 2) {
    throw new RangeError("maxChars must be an integer of at least 2 (one surrogate pair)");
  }
  return splitWith(text, maxChars, (cp) => (cp > 0xffff ? 2 : 1));
}

/**
 * The longest prefix of whole code points that fits in `maxBytes` of UTF-8, and how many bytes of the
 * text it leaves out: for storing text where an item has a size limit, saying what was cut.
 */
export function cutToBytes(text: string, maxBytes: number): { text: string; omittedBytes: number } {
  const total = Buffer.byteLength(text, "utf8");
  if (total <= maxBytes) return { text, omittedBytes: 0 };
  const kept = text.slice(0, fittingPrefix(text, maxBytes, utf8Size));
  return { text: kept, omittedBytes: total - Buffer.byteLength(kept, "utf8") };
}

function utf8Size(cp: number): number {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

type Measure = (codePoint: number) => number;

function splitWith(text: string, max: number, measure: Measure): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.trim() !== "") {
    const fit = fittingPrefix(rest, max, measure);
    if (fit === rest.length) {
      parts.push(rest.trimEnd());
      break;
    }
    const cut = bestCut(rest, fit);
    const part = rest.slice(0, cut).trimEnd();
    if (part !== "") parts.push(part);
    rest = rest.slice(cut).trimStart();
  }
  return parts;
}

/** Length (in UTF-16 units) of the longest prefix of whole code points whose measure fits in `max`. */
function fittingPrefix(text: string, max: number, measure: Measure): number {
  let size = 0;
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i) ?? 0;
    size += measure(cp);
    if (size > max) return i;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

// `(?<!\.)`: a run of dots is tried from its first dot only, not again from each one (quadratic).
const SENTENCE_END = /[。！？!?…]+[”’」』）)\]"']*|(?<!\.)\.+[”’」』）)\]"']*(?=\s)/g;
const SOFT_BREAK = /[，、；：,;:]|\s/g;

/**
 * Where to cut a window that is full: after the last boundary of the strongest kind that still leaves
 * the part at least half full (so a paragraph break near the start does not make a tiny message), or
 * at the window's end on a grapheme boundary.
 */
function bestCut(text: string, fit: number): number {
  const window = text.slice(0, fit);
  const minimum = Math.ceil(fit / 2);
  const candidates = [
    lastEnd(window, /\n[ \t]*\n/g),
    lastEnd(window, /\n/g),
    lastEnd(window, SENTENCE_END),
    lastEnd(window, SOFT_BREAK),
  ];
  for (const at of candidates) {
    if (at >= minimum && at > 0) return at;
  }
  return graphemeBoundary(text, fit);
}

function lastEnd(window: string, pattern: RegExp): number {
  let end = -1;
  for (const m of window.matchAll(pattern)) end = m.index + m[0].length;
  return end;
}

/**
 * Made on first use, not at module load: building a segmenter loads ICU's break-iterator data, a cost
 * every cold start of a function that imports this module would pay (the webhook never renders).
 */
let segmenter: Intl.Segmenter | null | undefined;
function graphemeSegmenter(): Intl.Segmenter | null {
  segmenter ??=
    typeof Intl !== "undefined" && "Segmenter" in Intl
      ? new Intl.Segmenter(undefined, { granularity: "grapheme" })
      : null;
  return segmenter;
}

/**
 * The last grapheme boundary at or before `fit`, falling back to `fit` itself (a code-point boundary)
 * when one grapheme alone is bigger than the limit. Segments a little past `fit`, because whether `fit`
 * is a boundary depends on what follows it.
 */
export function graphemeBoundary(text: string, fit: number): number {
  const graphemes = graphemeSegmenter();
  if (!graphemes) return fit;
  let last = 0;
  for (const { index } of graphemes.segment(text.slice(0, fit + 64))) {
    if (index > fit) break;
    last = index;
  }
  return last > 0 ? last : fit;
}
