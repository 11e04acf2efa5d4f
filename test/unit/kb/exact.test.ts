import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createHybridEngine, rulesFor } from "../../../shared/ai/hybrid-engine";
import { createLocalEngine } from "../../../shared/ai/local-engine";
import type { FaqEntry } from "../../../shared/core/faq";
import { createExactIndex, questionKey } from "../../../shared/kb/exact";
import { createLexicalRetriever } from "../../../shared/kb/lexical";

/** The example knowledge base, as `npm start` seeds it. */
const EXAMPLE: FaqEntry[] = readFileSync("local/seed/faq.example.jsonl", "utf8")
  .split("\n")
  .filter(Boolean)
  .map(
    (line) =>
      JSON.parse(line) as { id: string; question: string; similar_questions?: string[]; answer: string },
  )
  .map((e) => ({
    id: e.id,
    question: e.question,
    similarQuestions: e.similar_questions ?? [],
    answer: e.answer,
  }));

/** Entries an import adds side by side, differing by one character: their scores are all close. */
const JSON_ENTRIES: FaqEntry[] = ["一", "二", "三"].map((n) => ({
  id: `json-${n}`,
  question: `JSON问题${n}`,
  similarQuestions: [],
  answer: `答案${n}`,
}));

describe("questionKey", () => {
  it("ignores punctuation, width, case, spaces and particles", () => {
    const key = questionKey("运费怎么算？满多少包邮？");
    for (const variant of [
      "运费怎么算?满多少包邮",
      "运费 怎么算，满多少包邮呢？",
      "运费怎么算了满多少包邮吗",
    ])
      expect(questionKey(variant)).toBe(key);
    expect(questionKey("ＪＳＯＮ问题三！")).toBe(questionKey("json 问题三"));
    expect(questionKey("How do I track my order?")).toBe(questionKey("how do i track my order"));
    expect(questionKey("我的订单到哪了")).toBe(questionKey("我订单到哪"));
  });

  it("keeps what changes the question", () => {
    expect(questionKey("JSON问题三")).not.toBe(questionKey("JSON问题二"));
    expect(questionKey("can I cancel")).not.toBe(questionKey("can't I cancel"));
  });
});

describe("createExactIndex", () => {
  const index = createExactIndex([...EXAMPLE, ...JSON_ENTRIES]);

  it("finds an entry from any of its phrasings, normalised", () => {
    expect(index.match("JSON问题三")?.faqId).toBe("json-三");
    expect(index.match("json问题三？")?.faqId).toBe("json-三");
    expect(index.match("取消订单在哪里呀？")).toMatchObject({ faqId: "zh-order-cancel", via: "phrasing" });
  });

  it("finds an entry from one whole clause of a phrasing that no other entry has", () => {
    expect(index.match("运费怎么算？")).toMatchObject({ faqId: "zh-shipping-fee", via: "clause" });
    expect(index.match("运费怎么算")).toMatchObject({ faqId: "zh-shipping-fee", via: "clause" });
  });

  it("does not match openers, fragments or near misses", () => {
    for (const text of ["请问", "运费", "JSON问题", "JSON问题四", "第一个", "", "？？？"])
      expect(index.match(text), text).toBeUndefined();
  });

  it("matches nothing on a phrasing two entries share, and prefers a whole phrasing to a clause", () => {
    const shared = createExactIndex([
      { id: "a", question: "怎么退款", similarQuestions: [], answer: "a" },
      { id: "b", question: "怎么退款！", similarQuestions: [], answer: "b" },
      { id: "c", question: "退货流程是什么？怎么退款？", similarQuestions: [], answer: "c" },
      { id: "d", question: "发票怎么开？", similarQuestions: [], answer: "d" },
      { id: "e", question: "发票怎么开", similarQuestions: ["发票怎么开？能开专票吗？"], answer: "e" },
    ]);
    expect(shared.match("怎么退款")).toBeUndefined();
    expect(shared.match("退货流程是什么")?.faqId).toBe("c");
    expect(shared.match("发票怎么开")).toBeUndefined();
  });
});

describe("engines answer what the knowledge base plainly covers", () => {
  it("the local engine answers a phrasing typed verbatim even where its score is low", async () => {
    const kb = [...EXAMPLE, ...JSON_ENTRIES];
    // Retrieval alone scores it below the answer threshold: the lookup is what answers it.
    const ranked = createLexicalRetriever(kb).rank("JSON问题三", 3);
    expect(ranked[0]?.score).toBeLessThan(0.83);
    const engine = createLocalEngine(kb);
    for (const [text, id] of [
      ["JSON问题三", "json-三"],
      ["运费怎么算？", "zh-shipping-fee"],
    ] as const) {
      const { decision, candidates } = await engine.decide({ text, history: [] });
      expect(decision, text).toMatchObject({ kind: "answer", faqIds: [id], confidence: 1 });
      expect(candidates[0]).toMatchObject({ faqId: id, score: 1 });
    }
  });

  it("still runs the hand-off triggers first", async () => {
    const engine = createLocalEngine([
      { id: "agent", question: "我要转人工", similarQuestions: [], answer: "a" },
      ...EXAMPLE,
    ]);
    const { decision } = await engine.decide({ text: "我要转人工", history: [] });
    expect(decision).toMatchObject({ kind: "handoff", reason: "customer_request" });
  });

  it("the hybrid engine answers it verbatim, without retrieval or a model", async () => {
    const kb = [...EXAMPLE, ...JSON_ENTRIES];
    const engine = createHybridEngine({
      lexical: {
        search: () => {
          throw new Error("retrieval must not run");
        },
      },
      ...rulesFor(kb),
      entries: kb,
    });
    const { decision } = await engine.decide({ text: "json问题三", history: [] });
    expect(decision).toMatchObject({ kind: "answer", text: "答案三", faqIds: ["json-三"] });
  });
});
