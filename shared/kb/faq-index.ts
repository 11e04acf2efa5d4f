import { answerable, type FaqEntry } from "../core/faq";
import type { KnowledgeSource } from "./knowledge";
import { createLexicalRetriever, type LexicalRetriever } from "./lexical";
import type { Retriever } from "./retrieval";

/**
 * The current FAQ for the desk and the QA review: its entries by id and a lexical index to search them, rebuilt when the
 * knowledge base's version changes (checked at most every `refreshMs`).
 */
export function faqIndex(source: KnowledgeSource, kb: string, refreshMs: number) {
  let current: { version: string; byId: Map<string, FaqEntry>; retriever: LexicalRetriever } | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<NonNullable<typeof current>> | undefined;

  async function load() {
    if (current && Date.now() - checkedAt < refreshMs) return current;
    loading ??= (async () => {
      const version = (await source.currentVersion(kb)) ?? "empty";
      checkedAt = Date.now();
      if (current?.version === version) return current;
      // The out-of-scope wordings are no entry to search, show or teach a phrasing to.
      const entries = answerable((await source.loadEntries(kb, { vectors: false })).entries);
      current = {
        version,
        byId: new Map(entries.map((e) => [e.id, e])),
        retriever: createLexicalRetriever(entries),
      };
      return current;
    })().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  const retriever: Retriever = {
    async search(query, k, options) {
      return (await load()).retriever.search(query, k, options);
    },
  };

  return {
    retriever,
    async entries(ids: string[]): Promise<Map<string, FaqEntry>> {
      const { byId } = await load();
      return new Map(ids.flatMap((id) => (byId.has(id) ? [[id, byId.get(id) as FaqEntry]] : [])));
    },
    async search(query: string, limit: number) {
      const { byId, retriever } = await load();
      const found = await retriever.search(query, limit);
      return found.flatMap((candidate) => {
        const entry = byId.get(candidate.faqId);
        if (!entry) return [];
        return [
          {
            id: entry.id,
            question: entry.question,
            answer: entry.answer,
            ...(entry.category ? { category: entry.category } : {}),
            score: Math.round(candidate.score * 100) / 100,
          },
        ];
      });
    },
  };
}
