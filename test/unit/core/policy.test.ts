import { describe, expect, it } from "vitest";
import type { Candidate, FaqEntry } from "../../../shared/core/faq";
import { decide, parseChoice, pickClarification, rejectsOptions } from "../../../shared/core/policy";
import { clarifyText, handoffText, isFirstReply, textsFor, withDisclosure } from "../../../shared/core/texts";

const entries = new Map<string, FaqEntry>(
  ["a", "b", "c", "d"].map((id) => [
    id,
    { id, question: `Question ${id}?`, similarQuestions: [], answer: `Approved answer ${id}.` },
  ]),
);
const entry = (id: string) => entries.get(id);
const cand = (faqId: string, score: number): Candidate => ({ faqId, score, matchedQuestion: faqId });
const thresholds = {
  answerThreshold: 0.8,
  marginThreshold: 0.1,
  clarifyThreshold: 0.3,
  suggestThreshold: 0.7,
  maxClarifyOptions: 3,
};

describe("decide: answer", () => {
  it("answers with the entry's approved text verbatim when confident and clearly ahead", () => {
    const d = decide({ candidates: [cand("a", 0.9), cand("b", 0.2)], entry, language: "en", thresholds });
    expect(d).toEqual({ kind: "answer", text: "Approved answer a.", faqIds: ["a"], confidence: 0.9 });
  });

  it("does not answer when the next different entry is too close", () => {
    const d = decide({ candidates: [cand("a", 0.9), cand("b", 0.85)], entry, language: "en", thresholds });
    expect(d.kind).toBe("clarify");
  });

  it("ignores a duplicate of the same entry when measuring the margin", () => {
    const d = decide({
      candidates: [cand("a", 0.9), cand("a", 0.88), cand("b", 0.1)],
      entry,
      language: "en",
      thresholds,
    });
    expect(d.kind).toBe("answer");
  });

  it("skips candidates whose entry no longer exists", () => {
    const d = decide({ candidates: [cand("gone", 0.99), cand("a", 0.9)], entry, language: "en", thresholds });
    expect(d).toMatchObject({ kind: "answer", faqIds: ["a"] });
  });
});

describe("decide: clarify", () => {
  it("offers 2–3 close entries in the customer's language", () => {
    const d = decide({
      candidates: [cand("a", 0.6), cand("b", 0.5), cand("c", 0.4), cand("d", 0.35)],
      entry,
      language: "zh",
      thresholds,
    });
    expect(d.kind).toBe("clarify");
    if (d.kind !== "clarify") return;
    expect(d.options.map((o) => o.faqId)).toEqual(["a", "b", "c"]);
    expect(d.text).toBe("您是想问：\n1. Question a?\n2. Question b?\n3. Question c?\n请回复序号。");
  });

  it("offers close weak entries to a message that looks in scope, not to one that shares no word with the KB", () => {
    const candidates = [cand("a", 0.45), cand("b", 0.4), cand("c", 0.35)];
    const ask = (looksInScope: boolean) =>
      decide({ candidates, entry, language: "en", thresholds, looksInScope }).kind;
    expect(ask(true)).toBe("clarify");
    expect(ask(false)).toBe("handoff");
  });

  it("writes the English prompt for English customers", () => {
    const d = decide({ candidates: [cand("a", 0.6), cand("b", 0.5)], entry, language: "en", thresholds });
    expect(d.kind === "clarify" && d.text).toBe(
      "Did you mean:\n1. Question a?\n2. Question b?\nReply with a number.",
    );
  });
});

describe("decide: a likely entry below the answer threshold", () => {
  it("is asked about with the runners-up as options, whatever their scores", () => {
    const d = decide({
      candidates: [cand("a", 0.75), cand("b", 0.05), cand("c", 0.01), cand("d", 0.01)],
      entry,
      language: "en",
      thresholds,
    });
    expect(d.kind === "clarify" && d.options.map((o) => o.faqId)).toEqual(["a", "b", "c"]);
  });

  it("is asked about alone when nothing else was retrieved", () => {
    const d = decide({ candidates: [cand("a", 0.75)], entry, language: "zh", thresholds });
    expect(d.kind === "clarify" && d.text).toBe("您是想问：\n1. Question a?\n请回复序号。");
  });

  it("is offered to a message that looks in scope at a lower score than to one that does not", () => {
    const { suggestThreshold: _, ...defaulted } = thresholds;
    const weak = [cand("a", 0.35)];
    const ask = (looksInScope?: boolean) =>
      decide({
        candidates: weak,
        entry,
        language: "en",
        thresholds: defaulted,
        ...(looksInScope === undefined ? {} : { looksInScope }),
      }).kind;
    expect(ask(true)).toBe("clarify");
    expect(ask(undefined)).toBe("clarify");
    expect(ask(false)).toBe("handoff");
    const likely = [cand("a", 0.55)];
    expect(
      decide({ candidates: likely, entry, language: "en", thresholds: defaulted, looksInScope: false }).kind,
    ).toBe("handoff");
    expect(
      decide({
        candidates: [cand("a", 0.65)],
        entry,
        language: "en",
        thresholds: defaulted,
        looksInScope: false,
      }).kind,
    ).toBe("clarify");
  });

  it("is handed off below the suggest threshold (the default 0.3 unless set)", () => {
    const below = { ...thresholds, suggestThreshold: 0.8 };
    expect(decide({ candidates: [cand("a", 0.75)], entry, language: "en", thresholds: below }).kind).toBe(
      "handoff",
    );
    const { suggestThreshold: _, ...defaulted } = thresholds;
    expect(decide({ candidates: [cand("a", 0.25)], entry, language: "en", thresholds: defaulted }).kind).toBe(
      "handoff",
    );
    expect(decide({ candidates: [cand("a", 0.35)], entry, language: "en", thresholds: defaulted }).kind).toBe(
      "clarify",
    );
  });
});

describe("decide: hand-off", () => {
  it("hands off with low_confidence when nothing is retrieved", () => {
    expect(decide({ candidates: [], entry, language: "en", thresholds })).toMatchObject({
      kind: "handoff",
      reason: "low_confidence",
    });
  });
  it("hands off when only one weak entry qualifies for a clarify", () => {
    const d = decide({ candidates: [cand("a", 0.6), cand("b", 0.1)], entry, language: "en", thresholds });
    expect(d).toMatchObject({ kind: "handoff", reason: "low_confidence", priority: "normal" });
  });
});

describe("clarification replies", () => {
  const pending = [
    { faqId: "a", question: "如何修改密码" },
    { faqId: "b", question: "银行卡什么时候到" },
    { faqId: "c", question: "How do I change my PIN?" },
  ];
  it.each([
    ["1", "a"],
    [" 2 ", "b"],
    ["3。", "c"],
    ["第一个", "a"],
    ["第2个", "b"],
    ["选三", "c"],
    ["第二条吧", "b"],
    ["the second one", "b"],
    ["option 3", "c"],
    ["#1", "a"],
    ["银行卡什么时候到", "b"],
    ["how do i change my pin", "c"],
  ])("%s picks %s", (reply, faqId) => {
    expect(pickClarification(reply, pending)?.faqId).toBe(faqId);
  });
  it.each(["4", "0", "我还有别的问题", "12", "how about my refund", ""])("%s picks nothing", (reply) => {
    expect(pickClarification(reply, pending)).toBeUndefined();
  });
  it.each(["是的", "对", "嗯嗯", "yes", "Yes!", "that one", "好的"])(
    "%s picks the one entry a clarify offered alone",
    (reply) => {
      expect(pickClarification(reply, [{ faqId: "a", question: "如何修改密码" }])?.faqId).toBe("a");
    },
  );
  it.each([
    ["银行卡那个", "b"],
    ["修改密码的", "a"],
    ["the pin one", "c"],
  ])("%s picks %s by a word only that option's question has", (reply, faqId) => {
    expect(pickClarification(reply, pending)?.faqId).toBe(faqId);
  });
  it.each(["修改", "银行卡的密码怎么改", "what about my card"])(
    "%s picks nothing: a word two options share, or a question of its own",
    (reply) => {
      const twoAboutChanging = [...pending, { faqId: "d", question: "怎么修改收货地址" }];
      expect(pickClarification(reply, twoAboutChanging)).toBeUndefined();
    },
  );
  it.each(["都不是", "都不对啊", "以上都不是", "不是", "None of these", "neither", "nope", "no."])(
    "%s turns down every option",
    (reply) => expect(rejectsOptions(reply)).toBe(true),
  );
  it.each(["不是这个 我是问退款", "no, how long does a refund take", "2", "是的", "不是很清楚"])(
    "%s is not only a refusal",
    (reply) => expect(rejectsOptions(reply)).toBe(false),
  );
  it("a yes picks nothing among several options", () => {
    expect(pickClarification("是的", pending)).toBeUndefined();
  });
  it("parses ordinals", () => {
    expect(parseChoice("第三个")).toBe(3);
    expect(parseChoice("first")).toBe(1);
    expect(parseChoice("1 2")).toBeUndefined();
    expect(parseChoice("I meant the second!")).toBe(2);
    expect(parseChoice("option2")).toBe(2);
    expect(parseChoice("2 please")).toBe(2);
    expect(parseChoice("number one")).toBe(1);
    expect(parseChoice("option")).toBeUndefined();
    expect(parseChoice("one option two")).toBeUndefined();
  });
});

describe("texts", () => {
  it("puts the AI disclosure on the first reply only", () => {
    expect(isFirstReply([{ role: "customer" }])).toBe(true);
    expect(isFirstReply([{ role: "customer" }, { role: "bot" }])).toBe(false);
    expect(withDisclosure("答案", { language: "zh", firstReply: true })).toMatch(
      /^您好，我是智能客服助手（AI）.*\n答案$/,
    );
    expect(withDisclosure("Answer", { language: "en", firstReply: false })).toBe("Answer");
  });
  it("lets a channel override the disclosure and falls back for the rest", () => {
    const overrides = { sms: { zh: { disclosure: "【AI客服】" } } };
    expect(textsFor("zh", "sms", overrides).disclosure).toBe("【AI客服】");
    expect(textsFor("zh", "wechat", overrides).disclosure).toMatch(/^您好/);
    expect(textsFor("zh", "sms", overrides).handoff).toContain("{ticket}");
  });
  it("fills the ticket number into the hand-off text", () => {
    expect(handoffText("en", "T-42")).toContain("ticket T-42");
    expect(handoffText("zh", "T-42")).toContain("工单号 T-42");
  });
  it("numbers clarify options", () => {
    expect(clarifyText("en", ["x", "y"])).toBe("Did you mean:\n1. x\n2. y\nReply with a number.");
  });
});
