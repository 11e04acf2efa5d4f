import type {
  ConversationGrader,
  CourtesyMarker,
  HeuristicDimensionGrade,
  HeuristicReason,
  ReviewInput,
} from "./review";

/**
 * The heuristic grader: where Bedrock cannot be reached (`npm start`, tests), a review from word
 * markers and counts, so that the QA queue works end to end. It is labelled `heuristic` in the data and
 * the desk and is no judge of tone or truth: it counts apologies, checks the rating, and measures how
 * much of the reference FAQ answer the agent's replies repeat. Its reasons are codes with their figures
 * (HeuristicReason), which the desk words in its reader's language.
 */
export const HEURISTIC_GRADER_NAME = "heuristic-v1";

/** Kinds of courtesy marker, each counted once (an agent apologising five times is not five times kinder). */
const COURTESY_PATTERNS: { kind: CourtesyMarker; pattern: RegExp }[] = [
  { kind: "apology", pattern: /抱歉|对不起|不好意思|给您带来|sorry|apolog/i },
  { kind: "thanks", pattern: /感谢|谢谢|多谢|thank/i },
  { kind: "empathy", pattern: /理解|明白您|您的心情|着急|understand|I see/i },
  { kind: "polite", pattern: /您|请|please/i },
];

/** Share of the reference answer's character pairs found in the agent's replies, per accuracy score. */
const AGREEMENT_SCORES: [minimum: number, score: number][] = [
  [0.6, 5],
  [0.4, 4],
  [0.2, 3],
  [0.05, 2],
];

/** The heuristic's grade: every reason a code (a Grade, as the review stores it). */
export type HeuristicGrade = Record<"empathy" | "resolution" | "accuracy", HeuristicDimensionGrade>;

export function heuristicGrade(input: ReviewInput): HeuristicGrade {
  const agentText = input.transcript
    .filter((t) => t.role === "agent")
    .map((t) => t.text)
    .join("\n");
  return { empathy: empathy(agentText), resolution: resolution(input), accuracy: accuracy(agentText, input) };
}

export function createHeuristicGrader(): ConversationGrader {
  return {
    info: { kind: "heuristic", name: HEURISTIC_GRADER_NAME },
    async grade(input) {
      return { ok: true, grade: heuristicGrade(input) };
    },
  };
}

function empathy(agentText: string): HeuristicDimensionGrade {
  const found = COURTESY_PATTERNS.filter((m) => m.pattern.test(agentText)).map((m) => m.kind);
  if (found.length === 0) {
    return { score: 1, reasonCodes: [{ code: "no_courtesy_markers" }] };
  }
  return {
    score: Math.min(5, 1 + found.length),
    reasonCodes: [{ code: "courtesy_markers", markers: found }],
  };
}

function resolution(input: ReviewInput): HeuristicDimensionGrade {
  const lastSpeaker = input.transcript.at(-1)?.role;
  const unanswered = lastSpeaker === "customer";
  const tail: HeuristicReason[] = unanswered ? [{ code: "last_message_unanswered" }] : [];
  if (input.csat !== undefined) {
    const score = Math.max(1, input.csat - (unanswered ? 1 : 0));
    return { score, reasonCodes: [{ code: "customer_rating", csat: input.csat }, ...tail] };
  }
  return {
    score: unanswered ? 2 : 3,
    reasonCodes: [{ code: "no_customer_rating" }, ...tail],
  };
}

function accuracy(agentText: string, input: ReviewInput): HeuristicDimensionGrade {
  if (input.faq.length === 0) {
    return { score: 3, reasonCodes: [{ code: "no_reference_faq" }] };
  }
  const replied = pairs(agentText);
  let best = { share: 0, id: input.faq[0]?.id ?? "" };
  for (const entry of input.faq) {
    const reference = pairs(entry.answer);
    if (reference.size === 0) continue;
    let shared = 0;
    for (const pair of reference) if (replied.has(pair)) shared++;
    const share = shared / reference.size;
    if (share > best.share) best = { share, id: entry.id };
  }
  const score = AGREEMENT_SCORES.find(([minimum]) => best.share >= minimum)?.[1] ?? 1;
  return {
    score,
    reasonCodes: [{ code: "faq_overlap", faqId: best.id, percent: Math.round(best.share * 100) }],
  };
}

/** Adjacent character pairs of the letters, digits and CJK characters (works without word breaks). */
function pairs(text: string): Set<string> {
  const chars = [...text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "")];
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(`${chars[i]}${chars[i + 1]}`);
  return out;
}
