/**
 * The SQS body of a queued message: its JSON, with every character above U+FFFF (emoji, CJK Extension B
 * ideographs such as 𠮷) written as a `\uD83D\uDE00` escape pair. JSON.parse gives back the same value.
 *
 * Why: SQS accepts those characters, but the fauxqs emulator behind `npm start` refuses any body holding
 * one (InvalidMessageContents: its check reads UTF-16 code units, not code points), so every message with
 * an emoji got a 503 that no retry could cure. Escaped, the body is ASCII there and works on any SQS; the
 * price is 12 bytes for such a character instead of 4, counted by whoever measures this string.
 */
export function toQueueBody(value: unknown): string {
  return JSON.stringify(value).replace(SUPPLEMENTARY, escapePair);
}

const SUPPLEMENTARY = /[\u{10000}-\u{10FFFF}]/gu;

function escapePair(character: string): string {
  const unit = (index: number) => `\\u${character.charCodeAt(index).toString(16).padStart(4, "0")}`;
  return `${unit(0)}${unit(1)}`;
}
