/**
 * The carrier keywords a whole SMS can be (case-insensitive, surrounding spaces and a trailing full stop
 * or exclamation mark ignored, full-width letters folded). Anything longer is a question for the bot:
 * "stop sending me the wrong size" is not an opt-out.
 */

export type SmsKeyword = "opt_out" | "opt_in" | "help" | "more";

/** US/CA carrier and CTIA opt-out words (Twilio's and AWS End User Messaging's lists) and 退订/TD/T. */
const OPT_OUT = new Set([
  "STOP",
  "STOPALL",
  "UNSUBSCRIBE",
  "CANCEL",
  "END",
  "QUIT",
  "OPTOUT",
  "OPT-OUT",
  "OPT OUT",
  "REMOVE",
  "REVOKE",
  "ARRET",
  "退订",
  "TD",
  "T",
]);
const OPT_IN = new Set(["START", "UNSTOP", "订阅"]);
const HELP = new Set(["HELP", "INFO", "帮助"]);
const MORE = new Set(["MORE", "更多"]);

export function normalizeKeyword(text: string): string {
  return (
    text
      .normalize("NFKC")
      .trim()
      // From the start of a run only (the lookbehind): a long run of "!" before other text stays linear.
      // 。 and ！ written as escapes: esbuild copies a regex literal as it is, and one non-ASCII character
      // makes V8 hold the whole bundle as a two-byte string, slower to decode and parse every cold start.
      .replace(/(?<![.!\u3002\uff01~])[.!\u3002\uff01~]+$/u, "")
      .trim()
      .replace(/\s+/g, " ")
      .toUpperCase()
  );
}

/**
 * The keyword this message is, if any. `YES` re-subscribes only a customer who opted out (as with
 * Twilio): for everyone else it is an answer to the bot's question.
 */
export function smsKeyword(text: string, context: { optedOut: boolean }): SmsKeyword | undefined {
  const word = normalizeKeyword(text);
  if (word.length > 12) return undefined;
  if (OPT_OUT.has(word)) return "opt_out";
  if (OPT_IN.has(word) || (context.optedOut && word === "YES")) return "opt_in";
  if (HELP.has(word)) return "help";
  if (MORE.has(word)) return "more";
  return undefined;
}

/** Whether the keyword was written in Chinese (退订, TD, T, 订阅…): the confirmation answers in kind. */
export function keywordLanguage(text: string): "zh" | "en" {
  const word = normalizeKeyword(text);
  return /[\u3400-\u9fff]/.test(word) || word === "TD" || word === "T" ? "zh" : "en";
}
