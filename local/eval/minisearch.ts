import MiniSearch from "minisearch";
import { detectLanguage } from "../../shared/core/text";
import type { EvalFile } from "./file";

/**
 * MiniSearch "used the obvious way": one document per phrasing, default options (BM25+, OR of terms,
 * default tokenizer and no stemming), top hit's entry, answered when its score ≥ a threshold. Its default
 * tokenizer splits on spaces and punctuation, so a Chinese sentence would be one token: for text with
 * Han characters each Han character is a token (non-Han runs still split the default way).
 */
export function runMiniSearch(file: EvalFile): { faqId: string; score: number }[] {
  const zh = file.faq.some((e) => e.questions.some((q) => detectLanguage(q) === "zh"));
  const charTokenize = (text: string): string[] =>
    (
      text.match(
        /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\s\p{P}\p{S}\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/gu,
      ) ?? []
    ).filter((t) => t !== "");
  const ms = new MiniSearch<{ id: number; text: string; faq: string }>({
    fields: ["text"],
    storeFields: ["faq"],
    ...(zh ? { tokenize: charTokenize } : {}),
  });
  const docs: { id: number; text: string; faq: string }[] = [];
  for (const e of file.faq) for (const q of e.questions) docs.push({ id: docs.length, text: q, faq: e.id });
  ms.addAll(docs);
  return file.queries.map((q) => {
    const hit = ms.search(q.text)[0];
    return hit ? { faqId: hit.faq as string, score: hit.score } : { faqId: "", score: 0 };
  });
}
