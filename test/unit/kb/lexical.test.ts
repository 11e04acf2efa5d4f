import { describe, expect, it } from "vitest";
import type { FaqEntry } from "../../../shared/core/faq";
import { createLexicalRetriever, kbAdjustment } from "../../../shared/kb/lexical";
import { faqEntry } from "../../support/fakes";

const KB: FaqEntry[] = [
  faqEntry("card_arrival", "When will my card arrive?", [
    "My card has not arrived yet",
    "How long does card delivery take?",
  ]),
  faqEntry("change_pin", "How do I change my PIN?", ["I want a new PIN", "Where can I reset my PIN number?"]),
  faqEntry("refund", "I have not received my refund", [
    "Where is my refund?",
    "Refund not showing in my account",
  ]),
  faqEntry("exchange_rate", "What exchange rate do you use?", ["Exchange rate for foreign currency"]),
  faqEntry("zh_card", "银行卡什么时候寄到", ["我的卡还没收到", "新卡多久能到"]),
  faqEntry("zh_pwd", "怎么修改密码", ["忘记密码怎么办", "重置登录密码"]),
];

describe("createLexicalRetriever ranking", () => {
  const r = createLexicalRetriever(KB);

  it("ranks the entry whose phrasing matches best first", () => {
    expect(r.rank("my card still hasn't arrived")[0]?.faqId).toBe("card_arrival");
    expect(r.rank("reset PIN")[0]?.faqId).toBe("change_pin");
    expect(r.rank("卡还没收到")[0]?.faqId).toBe("zh_card");
    expect(r.rank("密码忘了")[0]?.faqId).toBe("zh_pwd");
  });

  it("matches inflections through the stemmer and typos through character trigrams", () => {
    expect(r.rank("refunds")[0]?.faqId).toBe("refund");
    expect(r.rank("exchnage rates")[0]?.faqId).toBe("exchange_rate");
  });

  it("returns each entry once, best first, with 1-based ranks, and honours k", () => {
    const hits = r.rank("card refund PIN exchange", 3);
    expect(hits).toHaveLength(3);
    expect(new Set(hits.map((h) => h.faqId)).size).toBe(3);
    expect(hits.map((h) => h.rank)).toEqual([1, 2, 3]);
    for (let i = 1; i < hits.length; i++) {
      expect((hits[i - 1] as { aggregate: number }).aggregate).toBeGreaterThanOrEqual(
        hits[i]?.aggregate ?? 0,
      );
    }
  });

  it("returns the matched phrasing", () => {
    expect(r.rank("new pin")[0]?.matchedQuestion).toBe("I want a new PIN");
  });

  it("returns nothing for an empty, stop-word-only or unknown query", () => {
    expect(r.rank("")).toEqual([]);
    expect(r.rank("the of and")).toEqual([]);
    expect(r.rank("zebra xylophone")).toEqual([]);
  });

  it("search() returns plain candidates", async () => {
    const [hit] = await r.search("When will my card arrive?", 1);
    expect(Object.keys(hit ?? {}).sort()).toEqual(["faqId", "matchedQuestion", "score"]);
  });

  it("works on an empty knowledge base", () => {
    expect(createLexicalRetriever([]).rank("anything")).toEqual([]);
  });
});

describe("calibrated score", () => {
  const r = createLexicalRetriever(KB);

  it("stays within [0, 1]", () => {
    for (const q of [
      "When will my card arrive?",
      "card",
      "weather in Paris",
      "卡",
      "怎么修改密码",
      "PIN PIN PIN PIN",
    ]) {
      for (const c of r.rank(q, 10)) {
        expect(c.score).toBeGreaterThanOrEqual(0);
        expect(c.score).toBeLessThanOrEqual(1);
      }
    }
  });

  it("is high for an exact phrasing and lower for a vague partial match", () => {
    const exact = r.rank("How long does card delivery take?")[0]?.score ?? 0;
    const vague = r.rank("card")[0]?.score ?? 1;
    expect(exact).toBeGreaterThan(0.8);
    expect(vague).toBeLessThan(exact);
  });

  it("gives the runner-up a lower score than the winner", () => {
    const [first, second] = r.rank("my card has not arrived and I want a refund", 2);
    expect(first?.score ?? 0).toBeGreaterThan(second?.score ?? 1);
    expect(second?.margin ?? 0).toBeLessThanOrEqual(0);
  });

  it("exposes index statistics", () => {
    expect(r.stats.entries).toBe(6);
    expect(r.stats.phrasings).toBe(17);
  });
});

describe("knowledge-base self-check and adjustment", () => {
  const check = (accuracy: number, sampled: number, precision: number) => ({
    sampled,
    accuracy,
    precisionAt: () => precision,
  });
  const cal = { intercept: -0.33, base: 0.874, accuracySlope: 0.916, precision: 0.277 };

  it("keeps the base score when the self-check has too few probes to say anything", () => {
    expect(kbAdjustment(check(0.9, 5, 0.9), cal)(0.7)).toBe(0.7);
  });

  it("trusts the same base score more in a knowledge base whose phrasings find their own entry", () => {
    const clear = kbAdjustment(check(0.9, 100, 0.8), cal)(0.9);
    const confusable = kbAdjustment(check(0.4, 100, 0.8), cal)(0.9);
    expect(clear).toBeGreaterThan(confusable);
  });

  it("measures how often a held-out phrasing finds its own entry", () => {
    const topics = [
      "invoice",
      "refund",
      "password",
      "delivery",
      "coupon",
      "membership",
      "address",
      "receipt",
    ];
    const kb = topics.map((t, i) => ({
      id: `e${i}`,
      question: `how do i get my ${t} sorted`,
      similarQuestions: [`${t} problem help`, `question about ${t}`, `${t} issue`],
      answer: t,
    }));
    const r = createLexicalRetriever(kb);
    expect(r.selfCheck.sampled).toBe(32);
    expect(r.selfCheck.accuracy).toBe(1);
    expect(r.selfCheck.precisionAt(0)).toBeCloseTo(33 / 34);
    expect(createLexicalRetriever(kb, { selfCheckSample: 0 }).selfCheck.sampled).toBe(0);
  });

  it("keeps the ranking: the adjustment is monotone in the base score", () => {
    const r = createLexicalRetriever([
      { id: "a", question: "change my pin", similarQuestions: ["new pin please", "reset pin"], answer: "" },
      {
        id: "b",
        question: "card arrival",
        similarQuestions: ["card not arrived", "when card arrives"],
        answer: "",
      },
    ]);
    const ranked = r.rank("reset my pin please", 2);
    expect(ranked[0]?.faqId).toBe("a");
    expect((ranked[0]?.score ?? 0) >= (ranked[1]?.score ?? 0)).toBe(true);
  });
});

describe("the answer as a second, lower-weight field", () => {
  const shop: FaqEntry[] = [
    {
      id: "wrapping",
      question: "Do you offer gift wrapping?",
      similarQuestions: ["can you wrap a present", "gift box available?"],
      answer:
        "Yes: choose gift wrapping at checkout. Ribbons come in red or gold; a card with your message is free.",
    },
    {
      id: "delivery",
      question: "How long does delivery take?",
      similarQuestions: ["when does my parcel come", "delivery time"],
      answer: "Parcels arrive in 2 to 4 days. Returns are handled by the returns team.",
    },
    {
      id: "returns",
      question: "How do I return an item?",
      similarQuestions: ["send something back", "return process"],
      answer: "Start a return from your orders page and print the label.",
    },
    {
      id: "sizes",
      question: "How do your sizes run?",
      similarQuestions: ["size chart", "does it fit small"],
      answer: "Our sizes follow the EU chart; see each product's measurements.",
    },
  ];
  const withAnswers = createLexicalRetriever(shop);
  const phrasingsOnly = createLexicalRetriever(shop, { answerWeight: 0 });
  const scoreOf = (r: typeof withAnswers, q: string, id: string) =>
    r.rank(q, 4).find((c) => c.faqId === id)?.score ?? 0;

  it("lends an entry the query words only its answer has", () => {
    const query = "can i get a ribbon in gold for the present";
    expect(withAnswers.rank(query)[0]?.faqId).toBe("wrapping");
    expect(scoreOf(withAnswers, query, "wrapping")).toBeGreaterThan(
      scoreOf(phrasingsOnly, query, "wrapping"),
    );
  });

  it("weighs an answer's passing mention of another topic below that topic's own phrasings", () => {
    // The delivery answer mentions returns; the returns entry's phrasings are about them.
    expect(withAnswers.rank("how do i return it")[0]?.faqId).toBe("returns");
  });

  it("changes nothing for a query its best phrasing already covers", () => {
    const exact = "How long does delivery take?";
    expect(withAnswers.rank(exact)[0]?.similarity).toBeCloseTo(
      phrasingsOnly.rank(exact)[0]?.similarity ?? 0,
      6,
    );
  });

  it("is inert when the answers are placeholders repeating the entries' ids", () => {
    const placeholders = shop.map((e) => ({ ...e, answer: e.id }));
    const a = createLexicalRetriever(placeholders);
    const b = createLexicalRetriever(placeholders, { answerWeight: 0 });
    for (const q of ["can i get a ribbon in gold", "how long", "delivery returns"]) {
      expect(a.rank(q)).toEqual(b.rank(q));
    }
  });
});
