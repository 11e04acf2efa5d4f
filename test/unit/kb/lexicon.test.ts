import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { FaqEntry } from "../../../shared/core/faq";
import { conceptMentions, standardizeColloquial } from "../../../shared/core/understanding/lexicon";
import { buildScope } from "../../../shared/core/understanding/scope";
import { createLexicalRetriever } from "../../../shared/kb/lexical";
import { faqEntry } from "../../support/fakes";
import { REPO_ROOT } from "../../support/shared-data";

// A knowledge base written without the lexicon in view: it names a class ("countries", 信用卡) where
// customers name a member of it.
const KB: FaqEntry[] = [
  faqEntry("international", "Do you ship internationally?", ["which countries do you ship to"]),
  faqEntry("shipping_time", "How long does shipping take?", ["when will my parcel arrive"]),
  faqEntry("pay_methods", "What payment methods do you accept?", ["can I pay with a credit card"]),
  faqEntry("refund_time", "When will I get my refund?", ["how many days until my money is back"]),
  faqEntry("zh_pay", "支持哪些付款方式？", ["能用信用卡吗", "支持支付宝吗"]),
  faqEntry("zh_refund", "退款多久能到账？", ["退款几天到账"]),
  faqEntry("zh_return", "怎么申请退货？", ["退货怎么操作"]),
];

describe("concept lexicon", () => {
  it("names the concepts a normalised text mentions, Latin members as whole words", () => {
    expect(conceptMentions("do you ship to australia or new zealand").map((m) => m.term)).toEqual([
      "c:place",
      "c:place",
    ]);
    expect(conceptMentions("can i pay by credit card").map((m) => m.member)).toEqual(["credit card"]);
    expect(conceptMentions("能用银联吗")).toMatchObject([{ member: "银联", term: "c:paymethod", index: 2 }]);
    expect(conceptMentions("my passport is ukrainian")).toEqual([]);
  });

  it("knows the shop abbreviation cod for cash on delivery, as a whole word only", () => {
    expect(conceptMentions("is cod possible")).toMatchObject([{ member: "cod", term: "c:paymethod" }]);
    expect(conceptMentions("my code is wrong")).toEqual([]);
  });

  it("reads colloquial question words as standard ones", () => {
    expect(standardizeColloquial("退货咋弄 啥时候到")).toBe("退货怎么弄 什么时候到");
  });

  it("finds the entry that names the class a message names a member of", () => {
    const without = createLexicalRetriever(KB.filter((e) => e.id !== "international"));
    const r = createLexicalRetriever(KB);
    // Nothing but the member links these to their entry.
    expect(r.rank("australia?", 1)[0]?.faqId).toBe("international");
    expect(r.rank("unionpay", 1)[0]?.faqId).toBe("pay_methods");
    expect(r.rank("云闪付", 1)[0]?.faqId).toBe("zh_pay");
    expect(r.rank("咋操作", 1)[0]?.faqId).toBe("zh_return");
    // A knowledge base without the class gives the member nothing.
    expect(without.rank("australia?", 1)).toEqual([]);
  });

  it("puts a payment brand in scope where the knowledge base names a way to pay, but not a place", () => {
    const scope = buildScope(KB);
    expect(scope.inScope("unionpay?")).toBe(true);
    expect(scope.inScope("whats the capital of france")).toBe(false);
  });

  it("answers or offers the example knowledge base's entry for a member it does not name", () => {
    const seed = readFileSync(resolve(REPO_ROOT, "local/seed/faq.example.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const { similar_questions, ...rest } = JSON.parse(line);
        return { ...rest, similarQuestions: similar_questions ?? [] } as FaqEntry;
      });
    const r = createLexicalRetriever(seed);
    const top = (q: string) => r.rank(q, 1)[0];
    for (const [q, id] of [
      ["do you ship to australia", "en-shipping-international"],
      ["is mastercard ok", "en-payment-methods"],
      ["可以公对公转账吗", "zh-payment-methods"],
    ] as const) {
      expect(top(q)?.faqId, q).toBe(id);
      // At least offered (the in-scope offer threshold, 0.3).
      expect(top(q)?.score ?? 0, q).toBeGreaterThanOrEqual(0.3);
    }
    // A member the knowledge base names itself (支付宝 in a payment phrasing) adds no concept on top: the
    // message is about the refund (counted twice, it was answered with the payment entry at 0.83 or more).
    const refund = r.rank("退的钱一般几天能到 用的支付宝", 3);
    expect(refund.map((c) => c.faqId)).toContain("zh-refund-time");
    expect(refund[0]?.score ?? 1).toBeLessThan(0.83);
  });
});
