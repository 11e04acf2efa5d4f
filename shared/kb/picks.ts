import { createHash } from "node:crypto";
import { type FaqEntry, phrasings } from "../core/faq";
import type { StoredPick } from "../core/picks";
import { redact } from "../core/redact";
import { questionKey } from "./exact";
import { type LearningSuggestion, wordingKey } from "./suggestions";

/**
 * Whether a wording is already one of an entry's own phrasings, compared as the exact index compares
 * them (punctuation, width, case, particles aside): a pick of that entry for it teaches nothing.
 * Built once per knowledge-base version.
 */
export function ownPhrasings(entries: readonly FaqEntry[]): (faqId: string, wording: string) => boolean {
  const keys = new Map(entries.map((e) => [e.id, new Set(phrasings(e).map(questionKey))]));
  return (faqId, wording) => keys.get(faqId)?.has(questionKey(wording)) ?? false;
}

/**
 * The distinct wordings of (masked) texts in time order, most picked first (ties: the first picked). Each
 * is shown in its most frequent form (ties: the first), counted with its variants.
 */
function mostPicked(texts: readonly string[]): string[] {
  const groups = new Map<string, { total: number; forms: Map<string, number> }>();
  for (const text of texts) {
    const key = wordingKey(text);
    const group = groups.get(key) ?? { total: 0, forms: new Map<string, number>() };
    group.total++;
    group.forms.set(text, (group.forms.get(text) ?? 0) + 1);
    groups.set(key, group);
  }
  // Sorts are stable: equal counts keep their first-seen (insertion) order.
  const mostFrequent = (counts: Map<string, number>) =>
    [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
  return [...groups.values()].sort((a, b) => b.total - a.total).map((g) => mostFrequent(g.forms));
}

/** A suggestion made of picks, and the picks it stands for (marked handled when a supervisor decides). */
export interface PickSuggestion {
  suggestion: LearningSuggestion;
  picks: StoredPick[];
}

/**
 * The customers' clarify picks as suggestions (reason "picked"): the wordings picked for the same entry,
 * one suggestion per entry, most picked first. Each says how often the entry was picked, its wordings
 * (masked, most picked first, variants in punctuation, width or case as one), the entry, and how often
 * customers picked other entries for the same wordings — a wording split between entries is a weaker
 * hint. A pick is a customer's own answer, not a guess from a score, so one is enough to suggest;
 * approval decides.
 *
 * Left out: handled picks, picks of entries the knowledge base no longer has, and wordings that are
 * already phrasings of the entry picked (taught since).
 */
export function pickSuggestions(
  picks: readonly StoredPick[],
  entries: ReadonlyMap<string, FaqEntry>,
  options: { maxExamples?: number } = {},
): PickSuggestion[] {
  const own = ownPhrasings([...entries.values()]);
  const open = picks.filter((p) => !p.handled && entries.has(p.faqId) && !own(p.faqId, p.wording));
  // Who picked what for each wording: the split the supervisor sees.
  const byWording = new Map<string, Map<string, number>>();
  for (const p of open) {
    const key = wordingKey(p.wording);
    const counts = byWording.get(key) ?? new Map<string, number>();
    counts.set(p.faqId, (counts.get(p.faqId) ?? 0) + 1);
    byWording.set(key, counts);
  }
  const byEntry = new Map<string, StoredPick[]>();
  for (const p of [...open].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id))) {
    byEntry.set(p.faqId, [...(byEntry.get(p.faqId) ?? []), p]);
  }
  const out: PickSuggestion[] = [];
  for (const [faqId, group] of byEntry) {
    const examples = mostPicked(group.map((p) => redact(p.wording))).slice(0, options.maxExamples ?? 5);
    const others = new Map<string, number>();
    for (const key of new Set(group.map((p) => wordingKey(p.wording)))) {
      for (const [other, n] of byWording.get(key) ?? []) {
        if (other !== faqId) others.set(other, (others.get(other) ?? 0) + n);
      }
    }
    const entry = entries.get(faqId) as FaqEntry;
    out.push({
      suggestion: {
        id: `picked-${createHash("sha256").update(faqId).digest("hex").slice(0, 16)}`,
        representative: examples[0] as string,
        count: group.length,
        reasons: { picked: group.length },
        examples,
        closest: [],
        ticketIds: [],
        firstAt: (group[0] as StoredPick).at,
        lastAt: (group[group.length - 1] as StoredPick).at,
        picked: {
          faqId,
          question: entry.question,
          others: [...others.entries()]
            .map(([id, count]) => ({ faqId: id, count }))
            .sort((a, b) => b.count - a.count || a.faqId.localeCompare(b.faqId)),
        },
      },
      picks: group,
    });
  }
  return out.sort(
    (a, b) =>
      b.suggestion.count - a.suggestion.count || a.suggestion.firstAt.localeCompare(b.suggestion.firstAt),
  );
}
