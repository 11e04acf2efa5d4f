import { describe, expect, it } from "vitest";
import { createLocalEngine } from "../../../shared/ai/local-engine";
import type { FaqEntry } from "../../../shared/core/faq";

const KB: FaqEntry[] = [
  {
    id: "card_arrival",
    question: "When will my card arrive?",
    similarQuestions: ["My card has not arrived yet", "How long does card delivery take?"],
    answer: "Cards arrive within 5 working days.",
  },
  {
    id: "change_pin",
    question: "How do I change my PIN?",
    similarQuestions: ["I want a new PIN", "Where can I reset my PIN number?"],
    answer: "Change your PIN in the app under Card > PIN.",
  },
  {
    id: "pwd",
    question: "怎么修改登录密码",
    similarQuestions: ["忘记登录密码怎么办", "重置登录密码"],
    answer: "请在“我的-设置-安全”中修改登录密码。",
  },
  {
    id: "pwd_pay",
    question: "怎么修改支付密码",
    similarQuestions: ["忘记支付密码怎么办", "重置支付密码"],
    answer: "请在“我的-设置-支付”中修改支付密码。",
  },
];

describe("createLocalEngine", () => {
  const engine = createLocalEngine(KB);

  it("answers a paraphrase with the approved answer verbatim and returns the candidates", async () => {
    const { decision, candidates } = await engine.decide({
      text: "How long does card delivery take?",
      history: [],
    });
    expect(decision).toMatchObject({
      kind: "answer",
      text: "Cards arrive within 5 working days.",
      faqIds: ["card_arrival"],
    });
    expect(candidates[0]?.faqId).toBe("card_arrival");
  });

  it("asks to clarify between two close entries, in Chinese, and answers the picked one", async () => {
    const first = await engine.decide({ text: "密码忘了怎么办", history: [] });
    expect(first.decision.kind).toBe("clarify");
    if (first.decision.kind !== "clarify") return;
    expect(first.decision.text.startsWith("您是想问：\n1. ")).toBe(true);
    const options = first.decision.options;
    expect(options.map((o) => o.faqId).sort()).toEqual(["pwd", "pwd_pay"]);
    const second = await engine.decide({ text: "第二个", history: [], pendingClarification: options });
    expect(second.decision).toMatchObject({ kind: "answer", faqIds: [options[1]?.faqId] });
  });

  it("treats a new question during a pending clarification as a new question", async () => {
    const { decision } = await engine.decide({
      text: "How do I change my PIN?",
      history: [],
      pendingClarification: [{ faqId: "pwd", question: "怎么修改登录密码" }],
    });
    expect(decision).toMatchObject({ kind: "answer", faqIds: ["change_pin"] });
  });

  it("hands off out-of-scope questions with low_confidence", async () => {
    const { decision } = await engine.decide({ text: "what's the weather in Paris tomorrow", history: [] });
    expect(decision).toMatchObject({ kind: "handoff", reason: "low_confidence" });
  });

  it("runs triggers before retrieval", async () => {
    const { decision, candidates } = await engine.decide({ text: "转人工", history: [] });
    expect(decision).toMatchObject({ kind: "handoff", reason: "customer_request" });
    expect(candidates).toEqual([]);
    const fraud = await engine.decide({
      text: "my card was used for fraud, when will my card arrive",
      history: [],
    });
    expect(fraud.decision).toMatchObject({ kind: "handoff", reason: "sensitive_topic", priority: "high" });
  });

  it("hands off an empty message", async () => {
    expect((await engine.decide({ text: "  ", history: [] })).decision.kind).toBe("handoff");
  });

  it("respects configured thresholds and triggers", async () => {
    const strict = createLocalEngine(KB, {
      thresholds: { answerThreshold: 1.01 },
      triggers: { humanRequest: false },
    });
    // A paraphrase: a phrasing typed as it is would be answered whatever the thresholds (exact.ts).
    const { decision } = await strict.decide({
      text: "How long does delivery of my card take?",
      history: [],
    });
    expect(decision.kind).not.toBe("answer");
    expect((await strict.decide({ text: "转人工", history: [] })).decision).not.toMatchObject({
      reason: "customer_request",
    });
  });
});

describe("entries linked as translations", () => {
  const pair: FaqEntry[] = [
    {
      id: "en-gift",
      question: "Can you wrap my order as a gift?",
      similarQuestions: ["gift wrapping", "wrap it as a present"],
      answer: "Yes, choose gift wrapping at checkout.",
      translationOf: "zh-gift",
    },
    {
      id: "zh-gift",
      question: "可以帮忙包装成礼物吗？",
      similarQuestions: ["有礼品包装吗", "能包成礼盒吗"],
      answer: "可以，结算时选择礼品包装即可。",
    },
    {
      id: "en-size",
      question: "How do your sizes run?",
      similarQuestions: ["size chart", "does it run small"],
      answer: "Our sizes follow the EU chart.",
    },
  ];

  it("answers a Chinese conversation with the Chinese entry of a pair its English words found", async () => {
    const engine = createLocalEngine(pair);
    const { decision } = await engine.decide({ text: "gift wrapping 可以吗", history: [], language: "zh" });
    expect(decision).toMatchObject({
      kind: "answer",
      faqIds: ["zh-gift"],
      text: "可以，结算时选择礼品包装即可。",
    });
  });

  it("keeps the entry found when the conversation is in its language or no translation is linked", async () => {
    const engine = createLocalEngine(pair);
    const english = await engine.decide({ text: "gift wrapping", history: [], language: "en" });
    expect(english.decision).toMatchObject({ kind: "answer", faqIds: ["en-gift"] });
    const unlinked = await engine.decide({ text: "size chart", history: [], language: "zh" });
    expect(unlinked.decision).toMatchObject({ kind: "answer", faqIds: ["en-size"] });
  });
});
