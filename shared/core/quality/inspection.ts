import { z } from "zod";
import { findPersonalData, type PersonalDataKind } from "../redact";

/**
 * Quality inspection of every outgoing message, the bot's and the agents', before it is sent: rule sets
 * that admins maintain (banned words, advertising-law absolute terms such as 最好/第一/国家级, promises
 * such as 保证/绝对, competitor names, rude words, personal data typed in full). A rule with severity
 * `block` stops the message (the bot falls back to a safe answer or a hand-off; an agent rephrases or
 * sends with a recorded reason); `warn` is recorded and shown; both are kept in the audit trail.
 *
 * Matching is on normalised text (NFKC, lower case: full-width "１００％" matches "100%"); a Han term matches
 * anywhere, a Latin term only as whole words ("best" does not fire on "bestseller"). `allow` lists the
 * phrases in which a term is harmless ("第一次", "第一步" for 第一), so that precision stays high enough for
 * people to trust a block.
 */

export const RULE_CATEGORIES = [
  "banned",
  "absolute",
  "promise",
  "competitor",
  "rude",
  "personal_data",
] as const;
export type RuleCategory = (typeof RULE_CATEGORIES)[number];

export const SEVERITIES = ["block", "warn"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Who wrote the message: some rules apply to agents only (personal data typed in full). */
export type Author = "bot" | "agent";

const term = z.string().trim().min(1).max(64);

export const InspectionRuleSchema = z
  .object({
    id: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, "id: 1–64 letters, digits, dot, dash or underscore"),
    category: z.enum(RULE_CATEGORIES),
    severity: z.enum(SEVERITIES),
    /** Terms to find; for `personal_data`, the kinds of personal data instead (`detect`). */
    terms: z.array(term).max(500).default([]),
    detect: z.array(z.enum(["id", "card", "phone", "email"])).default([]),
    /** Phrases containing a term in which it is harmless. */
    allow: z.array(term).max(500).default([]),
    appliesTo: z
      .array(z.enum(["bot", "agent"]))
      .min(1)
      .default(["bot", "agent"]),
    /** What the agent is told, in both languages the desk speaks. */
    message: z.string().trim().max(300).optional(),
    messageZh: z.string().trim().max(300).optional(),
  })
  .refine((rule) => (rule.category === "personal_data" ? rule.detect.length > 0 : rule.terms.length > 0), {
    message: "a rule needs terms (or, for personal_data, the kinds to detect)",
  });
export type InspectionRule = z.infer<typeof InspectionRuleSchema>;

export interface Finding {
  ruleId: string;
  category: RuleCategory;
  severity: Severity;
  /** The term as the rule wrote it, or the kind of personal data (never the customer's data itself). */
  term: string;
  /** Where in the normalised text (for highlighting in the desk). */
  start: number;
  end: number;
}

export interface Inspection {
  findings: Finding[];
  /** At least one finding of severity `block`: the message must not go out as it is. */
  blocked: boolean;
}

interface CompiledTerm {
  term: string;
  needle: string;
  latin: boolean;
  /** The allow phrases that contain this term, with the term's offset in each. */
  allow: { phrase: string; offset: number }[];
}

interface CompiledRule {
  rule: InspectionRule;
  terms: CompiledTerm[];
}

/** A rule set ready to inspect with: normalised once, used for every message. */
export interface RuleSet {
  version: string;
  rules: readonly CompiledRule[];
}

export function normalizeForInspection(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

// A Latin term must not run into Latin letters or digits on a side where it ends in one: "best" is not in
// "bestseller", but "100%" is in "100%正品" and "No.1" in "No.1品牌".
const LATIN_WORD_CHAR = /[\p{Script=Latin}\p{N}_]/u;
const HAS_HAN = /\p{Script=Han}/u;

export function compileRuleSet(version: string, rules: readonly InspectionRule[]): RuleSet {
  return {
    version,
    rules: rules.map((rule) => ({
      rule,
      terms: rule.terms.map((raw) => {
        const needle = normalizeForInspection(raw);
        return {
          term: raw,
          needle,
          latin: !HAS_HAN.test(needle),
          allow: rule.allow
            .map((phrase) => normalizeForInspection(phrase))
            .filter((phrase) => phrase.includes(needle))
            .map((phrase) => ({ phrase, offset: phrase.indexOf(needle) })),
        };
      }),
    })),
  };
}

/** Every finding in `text`, sorted by position; linear in the text for each term. */
export function inspect(text: string, ruleSet: RuleSet, author: Author): Inspection {
  const normalized = normalizeForInspection(text);
  const findings: Finding[] = [];
  for (const { rule, terms } of ruleSet.rules) {
    if (!rule.appliesTo.includes(author)) continue;
    for (const compiled of terms) {
      for (const start of occurrences(normalized, compiled)) {
        findings.push({
          ruleId: rule.id,
          category: rule.category,
          severity: rule.severity,
          term: compiled.term,
          start,
          end: start + compiled.needle.length,
        });
      }
    }
    if (rule.detect.length > 0) {
      for (const hit of findPersonalData(normalized)) {
        if (!rule.detect.includes(hit.kind)) continue;
        findings.push({
          ruleId: rule.id,
          category: rule.category,
          severity: rule.severity,
          term: hit.kind satisfies PersonalDataKind,
          start: hit.start,
          end: hit.end,
        });
      }
    }
  }
  findings.sort((a, b) => a.start - b.start || a.ruleId.localeCompare(b.ruleId));
  return { findings, blocked: findings.some((f) => f.severity === "block") };
}

function* occurrences(text: string, term: CompiledTerm): Generator<number> {
  for (let at = text.indexOf(term.needle); at >= 0; at = text.indexOf(term.needle, at + 1)) {
    if (term.latin && !onWordBoundaries(text, at, at + term.needle.length)) continue;
    if (term.allow.some(({ phrase, offset }) => text.startsWith(phrase, at - offset))) continue;
    yield at;
  }
}

function onWordBoundaries(text: string, start: number, end: number): boolean {
  const joins = (inside: string | undefined, outside: string | undefined) =>
    inside !== undefined &&
    outside !== undefined &&
    LATIN_WORD_CHAR.test(inside) &&
    LATIN_WORD_CHAR.test(outside);
  return !joins(text[start], text[start - 1]) && !joins(text[end - 1], text[end]);
}

/** A finding as the desk and `npm run desk` show it: with the words it matched (a term, or personal data the agent typed). */
export type ShownFinding = Finding & { matched: string; message?: string; messageZh?: string };

export function shownFindings(text: string, findings: readonly Finding[], ruleSet?: RuleSet): ShownFinding[] {
  const normalized = normalizeForInspection(text);
  const rules = new Map(ruleSet?.rules.map(({ rule }) => [rule.id, rule]));
  return findings.map((finding) => {
    const rule = rules.get(finding.ruleId);
    return {
      ...finding,
      matched: normalized.slice(finding.start, finding.end),
      ...(rule?.message ? { message: rule.message } : {}),
      ...(rule?.messageZh ? { messageZh: rule.messageZh } : {}),
    };
  });
}
