import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  conversationMetrics,
  type Expect,
  failureLines,
  loadConversationFile,
  type Observed,
  runConversations,
  scoreTurn,
  type TurnResult,
} from "../../../local/eval/conversations";
import { EvalFileError } from "../../../local/eval/file";
import { tempDir } from "../../support/temp-dirs";

const dir = tempDir("kefu-conv-");
const KB = join(dir, "kb.jsonl");
writeFileSync(
  KB,
  [
    {
      id: "ship",
      question: "运费怎么算？满多少包邮？",
      similar_questions: ["邮费多少钱"],
      answer: "满99包邮",
    },
    {
      id: "login",
      question: "怎么修改登录密码",
      similar_questions: ["忘记登录密码怎么办"],
      answer: "设置-安全",
    },
    {
      id: "pay",
      question: "怎么修改支付密码",
      similar_questions: ["忘记支付密码怎么办"],
      answer: "设置-支付",
    },
  ]
    .map((e) => JSON.stringify(e))
    .join("\n"),
);

function file(conversations: unknown[]): string {
  const path = join(dir, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ kb: KB, conversations }));
  return path;
}

describe("conversation eval: replaying turns through the pipeline", () => {
  it("scores answers, hand-offs and the silence after them through the real pipeline", async () => {
    const { file: f, entries } = loadConversationFile(
      file([
        {
          id: "c1",
          channel: "wechat",
          language: "zh",
          turns: [
            { text: "运费怎么算？", expect: { kind: "answer", faq: "ship" } },
            { text: "我要转人工", expect: { kind: "handoff", reason: "customer_request" } },
            { text: "谢谢", expect: { kind: "silent" } },
          ],
        },
      ]),
    );
    const results = await runConversations(f, entries);
    expect(results.map((r) => [r.observed.kind, r.right, r.ticket])).toEqual([
      ["answer", true, false],
      ["handoff", true, true],
      ["silent", true, false],
    ]);
    const m = conversationMetrics(results);
    expect(m).toMatchObject({ conversations: 1, turns: 3, answers: 1, answerPrecision: 1, containable: 0 });
    expect(m.perKind.handoff).toEqual({ n: 1, right: 1, kindRight: 1 });
  });

  it("answers the customer's pick after a clarify listing the expected entry", async () => {
    const { file: f, entries } = loadConversationFile(
      file([
        {
          id: "c3",
          channel: "wechat",
          language: "zh",
          turns: [{ text: "密码改不了", expect: { kind: "answer", faq: "pay" } }],
        },
      ]),
    );
    const [r] = await runConversations(f, entries, {
      thresholds: { answerThreshold: 1.01, clarifyThreshold: 0 },
    });
    expect(r?.observed).toMatchObject({ kind: "clarify", pick: { kind: "answer", faqId: "pay" } });
    expect(r?.right).toBe(true);
  });

  it("scores small talk, the scope statement and the offer of a person by the pipeline's outcome kind", async () => {
    const { file: f, entries } = loadConversationFile(
      file([
        {
          id: "c4",
          channel: "wechat",
          language: "zh",
          turns: [
            { text: "你好", expect: { kind: "smalltalk", intent: "greeting" } },
            { text: "法国的首都是哪里", expect: { kind: "out_of_scope" } },
            { text: "给我讲个笑话", expect: { kind: "offer_handoff" } },
            { text: "谢谢", expect: { kind: "smalltalk", intent: "thanks" } },
          ],
        },
      ]),
    );
    const results = await runConversations(f, entries);
    expect(results.map((r) => [r.observed.kind, r.observed.intent, r.right, r.ticket])).toEqual([
      ["smalltalk", "greeting", true, false],
      ["out_of_scope", undefined, true, false],
      ["offer_handoff", undefined, true, false],
      ["smalltalk", "thanks", true, false],
    ]);
    expect(conversationMetrics(results)).toMatchObject({ containable: 1, contained: 1, smalltalkTickets: 0 });
  });

  it("queues an SMS keyword as the webhook does: MORE with nothing pending is the channel's, not a ticket", async () => {
    const { file: f, entries } = loadConversationFile(
      file([
        {
          id: "c5",
          channel: "twilio",
          language: "en",
          turns: [
            { text: "MORE", expect: { kind: "smalltalk", intent: "keyword" } },
            { text: "more.", expect: { kind: "smalltalk", intent: "keyword" } },
          ],
        },
      ]),
    );
    const results = await runConversations(f, entries);
    expect(results.map((r) => [r.observed.kind, r.observed.intent, r.right, r.ticket])).toEqual([
      ["smalltalk", "keyword", true, false],
      ["smalltalk", "keyword", true, false],
    ]);
  });

  it("refuses a file whose turns expect an entry the knowledge base lacks", () => {
    const path = file([
      {
        id: "x",
        channel: "wechat",
        language: "zh",
        turns: [{ text: "?", expect: { kind: "answer", faq: "nope" } }],
      },
    ]);
    expect(() => loadConversationFile(path)).toThrow(EvalFileError);
  });
});

describe("conversation eval: scoring", () => {
  const handoff: Expect = { kind: "handoff", reason: "negative_sentiment", priority: "high" };
  it("needs the reason and, where given, the priority of a hand-off", () => {
    expect(
      scoreTurn(handoff, { kind: "handoff", reason: "negative_sentiment", priority: "high" }).right,
    ).toBe(true);
    expect(scoreTurn(handoff, { kind: "handoff", reason: "negative_sentiment", priority: "normal" })).toEqual(
      {
        right: false,
        kindRight: true,
      },
    );
    expect(scoreTurn(handoff, { kind: "handoff", reason: "low_confidence" }).right).toBe(false);
  });

  it("counts a clarify as right only when the customer's pick got the expected answer", () => {
    const want: Expect = { kind: "answer", faq: "a" };
    expect(
      scoreTurn(want, { kind: "clarify", options: ["b", "a"], pick: { kind: "answer", faqId: "a" } }).right,
    ).toBe(true);
    expect(scoreTurn(want, { kind: "clarify", options: ["b", "c"] }).right).toBe(false);
    expect(scoreTurn(want, { kind: "answer", faqId: "b" }).right).toBe(false);
  });

  it("computes containment over conversations that needed no person", () => {
    const turn = (conversation: string, expect: Expect, observed: Observed, ticket = false): TurnResult => ({
      conversation,
      turn: 1,
      text: "",
      language: "zh",
      expect,
      observed,
      ...scoreTurn(expect, observed),
      ticket,
      ms: 1,
    });
    const m = conversationMetrics([
      turn("ok", { kind: "answer", faq: "a" }, { kind: "answer", faqId: "a" }),
      turn("wrong", { kind: "answer", faq: "a" }, { kind: "answer", faqId: "b" }),
      turn(
        "ticketed",
        { kind: "smalltalk", intent: "thanks" },
        { kind: "handoff", reason: "low_confidence" },
        true,
      ),
      turn(
        "needs-person",
        handoff,
        { kind: "handoff", reason: "negative_sentiment", priority: "high" },
        true,
      ),
    ]);
    expect(m).toMatchObject({
      containable: 3,
      contained: 1,
      answers: 2,
      answerPrecision: 0.5,
      smalltalkTickets: 1,
      unexpectedTickets: 1,
    });
    expect(m.perKind.handoff).toEqual({ n: 1, right: 1, kindRight: 1 });
  });
});

describe("conversation eval: --failures", () => {
  const turn = (conversation: string, n: number, over: Partial<TurnResult>): TurnResult => ({
    conversation,
    turn: n,
    text: `message ${n}`,
    language: "en",
    expect: { kind: "answer", faq: "a" },
    observed: { kind: "answer", faqId: "a" },
    right: true,
    kindRight: true,
    ticket: false,
    ms: 0,
    ...over,
  });

  it("lists the first failing turn of each conversation not seen through, and no other", () => {
    const lines = failureLines([
      turn("ok", 1, {}),
      turn("wrong", 1, {}),
      turn("wrong", 2, { observed: { kind: "clarify", options: ["b", "c"] }, right: false }),
      turn("wrong", 3, {
        observed: { kind: "handoff", reason: "low_confidence" },
        right: false,
        ticket: true,
      }),
      turn("person", 1, {
        expect: { kind: "handoff", reason: "customer_request" },
        observed: { kind: "answer", faqId: "a" },
        right: false,
      }),
    ]);
    expect(lines).toEqual(['  wrong#2 "message 2": expected answer a, got clarify [b, c]']);
  });
});
