import { describe, expect, it } from "vitest";
import type { FaqEntry } from "../../../shared/core/faq";
import { validateRow } from "../../../shared/kb/faq-schema";
import { changeRow, type PendingChange } from "../../../shared/kb/teach";

describe("the row a taught phrasing imports", () => {
  it("carries the entry's category and translation link over, as the upsert replaces the entry", () => {
    const current: FaqEntry = {
      id: "en-wrap",
      question: "Do you gift wrap?",
      similarQuestions: ["gift box"],
      answer: "Yes, at checkout.",
      category: "orders",
      translationOf: "zh-wrap",
    };
    const change: PendingChange = {
      id: "c9",
      kind: "phrasing",
      status: "approved",
      faqId: "en-wrap",
      text: "can it come wrapped",
      author: "sup",
      createdAt: "2026-12-01T00:00:00.000Z",
    };
    const row = validateRow({ row: 1, fields: changeRow(change, current) }, "en");
    expect(row).toMatchObject({
      action: "upsert",
      entry: { id: "en-wrap", category: "orders", translationOf: "zh-wrap" },
    });
  });
});
