import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { heuristicRewrite, looksLikeFollowUp } from "../../../shared/ai/rewrite";
import { stripLeadingMentions } from "../../../shared/channels/dingtalk/normalise";
import { smsKeyword } from "../../../shared/channels/sms-common/keywords";
import { parseChoice, pickClarification } from "../../../shared/core/policy";
import { redactPersonalData } from "../../../shared/core/redact";
// tokenize's regexes are checked above; on the whole it spends ~10 µs a word in ICU's segmenter, linear.
import { detectLanguage } from "../../../shared/core/text";
import {
  checkTriggers,
  TRIGGER_TEXT_MAX_CHARS,
  triggerText,
} from "../../../shared/core/understanding/triggers";

/**
 * No regular expression may take super-linear time on what a customer can send: one poison message
 * ("我要"×30 + "x" took 10.7 s in the hand-off triggers) must not stall a worker batch or a webhook.
 *
 * Every regex literal under shared/ and functions/ is found by parsing the sources, so a regex added
 * later is checked without anyone listing it. Each runs on adversarial inputs: a long run of one unit
 * (the regex's own literal words and characters, common letters, digits, spaces and punctuation), led by
 * one of its pieces when it is anchored and ended by a character that makes it fail, which is where
 * backtracking blows up. Inputs grow step by step, so an exponential regex fails on a short input
 * instead of hanging the test, past the 10 KB up to 40 000 characters: the quadratic regexes
 * fixed here took 0.2–0.6 s at 10 000 characters on the development machine, close enough to the bound
 * that a faster machine could pass them; at four times the length they take sixteen times as long, while
 * linear ones stay far under it.
 */
const BOUND_MS = 200;
const MAX_CHARS = 40_000;
const SIZES = [
  8,
  16,
  24,
  32,
  40,
  48,
  56,
  64,
  80,
  96,
  112,
  128,
  160,
  192,
  256,
  384,
  512,
  1024,
  2048,
  5000,
  10_000,
  MAX_CHARS,
];

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SCANNED = ["shared", "functions"];
/**
 * E-mail reply extraction is the e-mail channel's own work item (its stripQuotedText is rewritten for
 * linear time there); its patterns join this test when that lands.
 */
const NOT_YET = ["shared/channels/email/"];

interface Found {
  where: string;
  regex: RegExp;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

function regexLiterals(): Found[] {
  const found: Found[] = [];
  for (const file of SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir)))) {
    const name = relative(ROOT, file);
    if (NOT_YET.some((prefix) => name.startsWith(prefix))) continue;
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isRegularExpressionLiteral(node)) {
        const literal = node.text;
        const slash = literal.lastIndexOf("/");
        const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        // Without g and y every test scans from the start, which is where the cost is.
        const flags = literal.slice(slash + 1).replace(/[gy]/g, "");
        found.push({
          where: `${name}:${line} ${literal}`,
          regex: new RegExp(literal.slice(1, slash), flags),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** Letters, digits, spaces and punctuation that regexes over text commonly repeat. */
const COMMON_UNITS = [
  "a",
  "A",
  "1",
  " ",
  "\n",
  "\t",
  ".",
  "@",
  "-",
  "_",
  "!",
  "*",
  "|",
  "我",
  "。",
  "a ",
  "1 ",
  "a.",
  "a@",
  "a-",
  "1-",
  ". ",
  "\n ",
];
const SUFFIXES = ["\u0000", "!", ""];

/** The regex's literal text: runs of ordinary characters between its syntax, and each of their characters. */
function literalPieces(regex: RegExp): string[] {
  const plain = regex.source.replace(/\\[pPu]\{[^}]*\}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[a-zA-Z]/g, "|");
  const runs = plain
    .replace(/\\(.)/g, "$1")
    .split(/[|()[\]{}*+?^$.,=<!:]/)
    .filter((run) => run !== "");
  return [...new Set([...runs, ...runs.flatMap((run) => [...run])])];
}

function adversarialInputs(regex: RegExp): { prefix: string; unit: string; suffix: string }[] {
  const pieces = literalPieces(regex);
  const units = [...new Set([...COMMON_UNITS, ...pieces, ...pieces.map((p) => `${p} `)])];
  // An anchored regex only runs long when its start matches, so its own pieces lead the input too.
  const anchored = regex.source.startsWith("^") || regex.multiline;
  const prefixes = anchored ? ["", ...pieces.filter((p) => p.length <= 6)] : [""];
  return prefixes.flatMap((prefix) =>
    units.flatMap((unit) => SUFFIXES.map((suffix) => ({ prefix, unit, suffix }))),
  );
}

function build(prefix: string, unit: string, suffix: string, size: number): string {
  const body = size - prefix.length - suffix.length;
  return (
    prefix + unit.repeat(Math.ceil(Math.max(0, body) / unit.length)).slice(0, Math.max(0, body)) + suffix
  );
}

function once(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

/** A run over the bound is timed again: a garbage-collection pause does not repeat, backtracking does. */
function timed(run: () => unknown): number {
  const ms = once(run);
  return ms > BOUND_MS ? Math.min(ms, once(run)) : ms;
}

/** The slowest run of the regex over its adversarial inputs, stopping at the first one over the bound. */
function slowest(regex: RegExp): { ms: number; input: string } {
  let worst = { ms: 0, input: "" };
  for (const { prefix, unit, suffix } of adversarialInputs(regex)) {
    for (const size of SIZES) {
      const input = build(prefix, unit, suffix, size);
      const ms = timed(() => regex.test(input));
      if (ms > worst.ms) worst = { ms, input: `${JSON.stringify(prefix + unit)}… ×${size} chars` };
      if (ms > BOUND_MS) return worst;
    }
  }
  return worst;
}

describe("every regex in shared/ and functions/", () => {
  const literals = regexLiterals();

  it("is found by parsing the sources (triggers and redaction included)", () => {
    expect(literals.length).toBeGreaterThan(100);
    for (const file of [
      "shared/core/understanding/triggers.ts",
      "shared/core/redact.ts",
      "shared/kb/tokenize.ts",
    ]) {
      expect(literals.filter((l) => l.where.startsWith(file)).length).toBeGreaterThan(3);
    }
  });

  it(`stays under ${BOUND_MS} ms on adversarial inputs of up to ${MAX_CHARS} characters`, () => {
    const slow = literals
      .map(({ where, regex }) => ({ where, ...slowest(regex) }))
      .filter((r) => r.ms > BOUND_MS)
      .map((r) => `${r.where}: ${Math.round(r.ms)} ms on ${r.input}`);
    expect(slow).toEqual([]);
  }, 120_000);
});

/** Whole-message inputs: the poison message, and long runs of what the rules look for. */
const POISON = [
  `${"我要".repeat(30)}x`,
  `${"我要".repeat(5000)}x`,
  `${"请给我".repeat(3000)}人工x`,
  `${"？".repeat(MAX_CHARS - 1)}a`,
  `${"a".repeat(MAX_CHARS - 1)}\u0000`,
  `${"a.".repeat(MAX_CHARS / 2 - 1)}@`,
  `${"no".repeat(MAX_CHARS / 2)}!`,
  `1${" ".repeat(MAX_CHARS - 2)}x`,
  `${"talk to ".repeat(MAX_CHARS / 8)}!`,
  `${"1".repeat(MAX_CHARS - 1)}x`,
  `${"1 ".repeat(MAX_CHARS / 2)}`,
  `${"@a ".repeat(MAX_CHARS / 3)}`,
  `${"！".repeat(MAX_CHARS - 4)}STOP`,
  `${"垃圾".repeat(MAX_CHARS / 2)}`,
  `${"不是我要".repeat(MAX_CHARS / 4)}`,
];

describe("the functions that read customer text", () => {
  const history = [
    { role: "customer" as const, text: POISON[1] ?? "", at: "2026-01-01T00:00:00Z" },
    { role: "bot" as const, text: "好的", at: "2026-01-01T00:00:01Z" },
  ];
  const pending = [
    { faqId: "a", question: "怎么退货" },
    { faqId: "b", question: "怎么换货" },
  ];
  const readers: [string, (text: string) => unknown][] = [
    ["checkTriggers", (text) => checkTriggers(text, history)],
    ["redactPersonalData", (text) => redactPersonalData(text)],
    ["detectLanguage", (text) => detectLanguage(text)],
    ["parseChoice", (text) => parseChoice(text)],
    ["pickClarification", (text) => pickClarification(text, pending)],
    ["looksLikeFollowUp", (text) => looksLikeFollowUp(text, history)],
    ["heuristicRewrite", (text) => heuristicRewrite(text, history)],
    ["smsKeyword", (text) => smsKeyword(text, { optedOut: true })],
    ["stripLeadingMentions", (text) => stripLeadingMentions(text)],
  ];

  it.each(readers)(`%s takes under ${BOUND_MS} ms on each poison message`, (_name, read) => {
    const slow = POISON.map((text) => ({ text, ms: timed(() => read(text)) }))
      .filter((r) => r.ms > BOUND_MS)
      .map((r) => `${JSON.stringify(r.text.slice(0, 12))}…: ${Math.round(r.ms)} ms`);
    expect(slow).toEqual([]);
  });
});

describe("the text the triggers read", () => {
  it("is the whole message up to the cap", () => {
    const text = "转人工".repeat(TRIGGER_TEXT_MAX_CHARS / 3);
    expect(triggerText(text)).toBe(text);
  });

  it("is cut after the last sentence end before the cap, so no phrase is cut in half", () => {
    // 真人秀 (a TV show) straddles the cap: cut between 人 and 秀, 真人 alone would ask for a person.
    const sentences = "今天天气不错。".repeat(560);
    const text = `${sentences}${"看".repeat(TRIGGER_TEXT_MAX_CHARS - 2 - sentences.length)}真人秀，好看吗？`;
    expect(text.indexOf("秀")).toBe(TRIGGER_TEXT_MAX_CHARS);
    expect(triggerText(text)).toBe(sentences);
    expect(checkTriggers(text, [])).toBeUndefined();
  });

  it("is cut at a space when a long stretch has no sentence end", () => {
    const text = `${"word ".repeat(TRIGGER_TEXT_MAX_CHARS / 5)}talk to a real person`;
    const read = triggerText(text);
    expect(read.length).toBeLessThanOrEqual(TRIGGER_TEXT_MAX_CHARS);
    expect(read.endsWith("word")).toBe(true);
  });

  it("never keeps half of an emoji", () => {
    const text = `${"a".repeat(TRIGGER_TEXT_MAX_CHARS - 1)}😀${"b".repeat(10)}`;
    expect(triggerText(text).endsWith("a")).toBe(true);
  });

  it("still finds a request for a person in a long e-mail within the cap", () => {
    const text = `${"我的订单有问题。".repeat(300)}请帮我转人工。${"谢谢。".repeat(2000)}`;
    expect(checkTriggers(text, [])).toMatchObject({ reason: "customer_request" });
  });
});
