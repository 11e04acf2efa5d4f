/**
 * Reciprocal rank fusion (Cormack et al. 2009): merges ranked lists from retrievers whose scores are not
 * comparable (BM25 vs cosine) using ranks only. k = 60 is the paper's constant: it damps the head so one
 * retriever's rank 1 cannot outvote agreement between the lists.
 */
export function reciprocalRankFusion<T extends { faqId: string }>(
  lists: T[][],
  k = 60,
): { faqId: string; fused: number; items: T[] }[] {
  const fused = new Map<string, { faqId: string; fused: number; items: T[] }>();
  for (const list of lists) {
    const seen = new Set<string>();
    list.forEach((item, i) => {
      // Only an entry's best rank in each list counts.
      if (seen.has(item.faqId)) return;
      seen.add(item.faqId);
      const row = fused.get(item.faqId) ?? { faqId: item.faqId, fused: 0, items: [] };
      row.fused += 1 / (k + i + 1);
      row.items.push(item);
      fused.set(item.faqId, row);
    });
  }
  return [...fused.values()].sort((a, b) => b.fused - a.fused || a.faqId.localeCompare(b.faqId));
}
