import { resolve } from "node:path";
import { BedrockRuntimeClient, ConverseCommand, ThrottlingException } from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { loadJsonlKb } from "../../../local/eval/conversations";
import { createBedrockGenerator, type Generator } from "../../../shared/ai/bedrock-generator";
import { UngroundedAnswerError } from "../../../shared/ai/errors";
import { createHybridEngine, fuseCandidates, type Policy, rulesFor } from "../../../shared/ai/hybrid-engine";
import { createLocalEngine } from "../../../shared/ai/local-engine";
import type { Decision, EngineInput } from "../../../shared/core/engine";
import type { Candidate, FaqEntry } from "../../../shared/core/faq";
import { createLexicalRetriever } from "../../../shared/kb/lexical";
import type { Retriever } from "../../../shared/kb/retrieval";
import { answerToolResponse } from "../../support/bedrock";

const entries: FaqEntry[] = [
  { id: "ship", question: "多久发货?", similarQuestions: [], answer: "付款后48小时内发货。" },
  { id: "return", question: "怎么退货?", similarQuestions: [], answer: "签收后7天内可申请退货。" },
  { id: "invoice", question: "发票怎么开?", similarQuestions: [], answer: "在订单页申请电子发票。" },
  { id: "track", question: "怎么查物流?", similarQuestions: [], answer: "在订单详情页查看物流。" },
];
const answerOf = (id: string) => entries.find((e) => e.id === id)?.answer as string;

const c = (faqId: string, score: number, matchedQuestion = faqId): Candidate => ({
  faqId,
  score,
  matchedQuestion,
});

/** A retriever that returns a fixed list and remembers the queries it was asked. */
function fixed(list: Candidate[]): Retriever & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    async search(query, k = 10) {
      queries.push(query);
      return list.slice(0, k);
    },
  };
}

/** The shape of the real policy: answer with the approved text above a threshold, else hand off. */
const policy: Policy = (candidates) => {
  const top = candidates[0];
  if (!top || top.score < 0.6) return { kind: "handoff", reason: "low_confidence", priority: "normal" };
  return { kind: "answer", text: answerOf(top.faqId), faqIds: [top.faqId], confidence: top.score };
};
const noTriggers = () => null;
const input: EngineInput = { text: "什么时候发货", history: [] };

function generatorReturning(result: Partial<Awaited<ReturnType<Generator["generate"]>>>): Generator & {
  seen: Parameters<Generator["generate"]>[0][];
} {
  const seen: Parameters<Generator["generate"]>[0][] = [];
  return {
    seen,
    async generate(req) {
      seen.push(req);
      return {
        text: "亲,付款后两天内发货哦。",
        faqIds: ["ship"],
        confidence: 0.9,
        needsHuman: false,
        usage: { inputTokens: 300, outputTokens: 40 },
        ...result,
      };
    },
  };
}

describe("reciprocal rank fusion", () => {
  it("ranks agreement first and keeps each entry's better calibrated score", () => {
    const lexical = [c("A", 0.9, "lexA"), c("B", 0.4, "lexB"), c("C", 0.3)];
    const dense = [c("B", 0.8, "denseB"), c("D", 0.7), c("A", 0.5, "denseA")];

    const fused = fuseCandidates([lexical, dense]);

    // B: 1/62 + 1/61 > A: 1/61 + 1/63 > D: 1/62 > C: 1/63.
    expect(fused.map((x) => x.faqId)).toEqual(["B", "A", "D", "C"]);
    expect(fused[0]).toEqual(c("B", 0.8, "denseB"));
    expect(fused[1]).toEqual(c("A", 0.9, "lexA"));
  });

  it("is the identity on a single list", () => {
    const lexical = [c("A", 0.9), c("B", 0.4)];
    expect(fuseCandidates([lexical, []])).toEqual(lexical);
  });

  it("counts an entry's best rank once per list", () => {
    // A listed twice by one retriever: 1/61 once, not 1/61 + 1/62, so B's agreement still wins.
    const fused = fuseCandidates([[c("A", 0.9), c("A", 0.8), c("B", 0.5)], [c("B", 0.6)]]);
    expect(fused.map((x) => x.faqId)).toEqual(["B", "A"]);
  });
});

describe("the hybrid engine", () => {
  it("fuses lexical and dense results before the policy sees them", async () => {
    const seen: Candidate[][] = [];
    const engine = createHybridEngine({
      lexical: fixed([c("invoice", 0.5), c("ship", 0.55)]),
      dense: fixed([c("ship", 0.8), c("track", 0.3)]),
      triggers: noTriggers,
      policy: (candidates, i) => {
        seen.push(candidates);
        return policy(candidates, i);
      },
      entries,
    });

    const result = await engine.decide(input);

    expect(seen[0]?.map((x) => x.faqId)).toEqual(["ship", "invoice", "track"]);
    expect(result.decision).toEqual({
      kind: "answer",
      text: answerOf("ship"),
      faqIds: ["ship"],
      confidence: 0.8,
    });
    expect(result.usage).toBeUndefined();
  });

  it("lets a trigger decide without retrieving", async () => {
    const lexical = fixed([c("ship", 0.9)]);
    const handoff: Decision = { kind: "handoff", reason: "customer_request", priority: "high" };
    const engine = createHybridEngine({ lexical, triggers: () => handoff, policy, entries });

    const result = await engine.decide({ text: "转人工", history: [] });

    expect(result.decision).toBe(handoff);
    expect(lexical.queries).toEqual([]);
  });

  it("retrieves with the rewritten follow-up", async () => {
    const lexical = fixed([c("return", 0.9)]);
    const dense = fixed([c("return", 0.9)]);
    const engine = createHybridEngine({ lexical, dense, triggers: noTriggers, policy, entries });

    await engine.decide({
      text: "那退货呢?",
      history: [{ role: "customer", text: "多久发货?", at: "2024-05-01T08:00:00Z" }],
    });

    expect(lexical.queries[0]).toMatch(/^退货 .*发货/);
    expect(dense.queries[0]).toBe(lexical.queries[0]);
  });

  it("falls back to lexical retrieval when dense retrieval fails", async () => {
    const errors: string[] = [];
    const engine = createHybridEngine({
      lexical: fixed([c("ship", 0.85)]),
      dense: {
        search: async () => {
          throw new ThrottlingException({ message: "slow down", $metadata: {} });
        },
      },
      triggers: noTriggers,
      policy,
      entries,
      onError: (_, stage) => errors.push(stage),
    });

    const result = await engine.decide(input);

    expect(result.decision).toMatchObject({ kind: "answer", faqIds: ["ship"] });
    expect(errors).toEqual(["dense"]);
  });

  it("phrases the answer with the generator from the top entries and records its tokens", async () => {
    const generator = generatorReturning({});
    const engine = createHybridEngine({
      lexical: fixed([c("ship", 0.9), c("track", 0.4), c("invoice", 0.3), c("return", 0.2)]),
      generator,
      triggers: noTriggers,
      policy,
      entries,
    });

    const result = await engine.decide(input);

    expect(result.decision).toEqual({
      kind: "answer",
      text: "亲,付款后两天内发货哦。",
      faqIds: ["ship"],
      confidence: 0.9,
    });
    expect(result.usage).toEqual({ inputTokens: 300, outputTokens: 40 });
    expect(generator.seen[0]?.entries.map((e) => e.id)).toEqual(["ship", "track", "invoice"]);
  });

  it("passes the message's signal to every model call: rewrite, dense retrieval and generation", async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const engine = createHybridEngine({
      lexical: fixed([c("ship", 0.9)]),
      dense: {
        async search(_query, _k, options) {
          signals.push(options?.signal);
          return [];
        },
      },
      rewrite: {
        async rewrite(text, _history, options) {
          signals.push(options?.signal);
          return { query: text, rewritten: false };
        },
      },
      generator: {
        async generate(_input, options) {
          signals.push(options?.signal);
          return {
            text: "ok",
            faqIds: ["ship"],
            confidence: 0.9,
            needsHuman: false,
            usage: { inputTokens: 1, outputTokens: 1 },
          };
        },
      },
      triggers: noTriggers,
      policy,
      entries,
    });
    const controller = new AbortController();
    await engine.decide({ ...input, signal: controller.signal });
    expect(signals).toEqual([controller.signal, controller.signal, controller.signal]);
  });

  it("does not call the generator when the policy does not answer", async () => {
    const generator = generatorReturning({});
    const engine = createHybridEngine({
      lexical: fixed([c("ship", 0.3)]),
      generator,
      triggers: noTriggers,
      policy,
      entries,
    });

    const result = await engine.decide(input);

    expect(result.decision).toMatchObject({ kind: "handoff", reason: "low_confidence" });
    expect(generator.seen).toHaveLength(0);
  });

  it("hands off when the model asks for a person or the guardrail intervenes", async () => {
    const make = (g: Generator) =>
      createHybridEngine({
        lexical: fixed([c("ship", 0.9)]),
        generator: g,
        triggers: noTriggers,
        policy,
        entries,
      });

    const asked = await make(
      generatorReturning({ needsHuman: true, humanReason: "model_requested", detail: "angry" }),
    ).decide(input);
    const blocked = await make(
      generatorReturning({ needsHuman: true, humanReason: "guardrail_intervened" }),
    ).decide(input);
    const unsure = await make(generatorReturning({ confidence: 0.2 })).decide(input);

    expect(asked.decision).toEqual({
      kind: "handoff",
      reason: "model_requested",
      priority: "normal",
      detail: "angry",
    });
    expect(blocked.decision).toMatchObject({ kind: "handoff", reason: "sensitive_topic", priority: "high" });
    expect(unsure.decision).toMatchObject({ kind: "handoff", reason: "low_confidence" });
    expect(unsure.usage).toEqual({ inputTokens: 300, outputTokens: 40 });
  });
});

describe("when Bedrock fails", () => {
  const bedrock = mockClient(BedrockRuntimeClient);
  const client = new BedrockRuntimeClient({ region: "us-east-1" });
  const generator = createBedrockGenerator({
    client,
    modelId: "anthropic.claude-3-haiku-20240307-v1:0",
    maxAttempts: 2,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
  });
  beforeEach(() => {
    bedrock.reset();
    bedrock
      .on(ConverseCommand)
      .rejects(new ThrottlingException({ message: "Too many requests", $metadata: {} }));
  });

  it("sends the approved FAQ answer when retrieval alone is confident", async () => {
    const engine = createHybridEngine({
      lexical: fixed([c("ship", 0.9)]),
      generator,
      triggers: noTriggers,
      policy,
      entries,
    });

    const result = await engine.decide(input);

    expect(result.decision).toEqual({
      kind: "answer",
      text: answerOf("ship"),
      faqIds: ["ship"],
      confidence: 0.9,
    });
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(2);
  });

  it("hands off with engine_error when retrieval alone is not confident enough", async () => {
    const engine = createHybridEngine({
      lexical: fixed([c("ship", 0.65)]),
      generator,
      triggers: noTriggers,
      policy,
      entries,
    });

    const result = await engine.decide(input);

    expect(result.decision).toMatchObject({ kind: "handoff", reason: "engine_error", priority: "normal" });
    expect((result.decision as { detail?: string }).detail).toMatch(/RetryExhaustedError/);
  });

  it("falls back on an ungrounded answer too, and still counts its tokens", async () => {
    bedrock
      .on(ConverseCommand)
      .resolves(
        answerToolResponse(
          { answer: "Free returns for life!", faq_ids: ["lifetime"], confidence: 0.99, needs_human: false },
          { usage: { inputTokens: 500, outputTokens: 30 } },
        ),
      );
    const errors: unknown[] = [];
    const engine = createHybridEngine({
      lexical: fixed([c("return", 0.95)]),
      generator,
      triggers: noTriggers,
      policy,
      entries,
      onError: (e) => errors.push(e),
    });

    const result = await engine.decide({ text: "怎么退货", history: [] });

    expect(result.decision).toMatchObject({ kind: "answer", text: answerOf("return") });
    expect(result.usage).toEqual({ inputTokens: 500, outputTokens: 30 });
    expect(errors[0]).toBeInstanceOf(UngroundedAnswerError);
  });
});

describe("with the local engine's rules", () => {
  const rules = rulesFor(entries);

  it("hands off on a request for a person before retrieving", async () => {
    const lexical = fixed([c("ship", 0.95)]);
    const engine = createHybridEngine({ lexical, ...rules, entries });

    const result = await engine.decide({ text: "转人工", history: [] });

    expect(result.decision).toMatchObject({ kind: "handoff", reason: "customer_request" });
    expect(lexical.queries).toEqual([]);
  });

  it("answers with the linked translation in the conversation's language", async () => {
    const pair: FaqEntry[] = [
      {
        id: "en-wrap",
        question: "Do you gift wrap?",
        similarQuestions: [],
        answer: "Yes.",
        translationOf: "zh-wrap",
      },
      { id: "zh-wrap", question: "有礼品包装吗？", similarQuestions: [], answer: "有的。" },
    ];
    const policy = rulesFor(pair).policy;
    const decision = policy([{ faqId: "en-wrap", score: 0.95, matchedQuestion: "Do you gift wrap?" }], {
      text: "gift wrap 有吗",
      history: [],
      language: "zh",
    });
    expect(decision).toMatchObject({ kind: "answer", faqIds: ["zh-wrap"], text: "有的。" });
  });

  it("answers a pending clarification by its number", async () => {
    const engine = createHybridEngine({ lexical: fixed([]), ...rules, entries });

    const result = await engine.decide({
      text: "2",
      history: [],
      pendingClarification: [
        { faqId: "ship", question: "多久发货?" },
        { faqId: "return", question: "怎么退货?" },
      ],
    });

    expect(result.decision).toMatchObject({ kind: "answer", faqIds: ["return"], text: answerOf("return") });
  });

  it("keeps the question the options were offered for as the question a pick answers (not '2')", async () => {
    const engine = createHybridEngine({ lexical: fixed([]), ...rules, entries });
    const local = createLocalEngine(entries);
    const input = {
      text: "2",
      history: [],
      topic: { question: "东西不想要了怎么办", faqIds: ["ship", "return"] },
      pendingClarification: [
        { faqId: "ship", question: "多久发货?" },
        { faqId: "return", question: "怎么退货?" },
      ],
    };

    const result = await engine.decide(input);

    expect(result.question).toBe("东西不想要了怎么办");
    expect(result.question).toBe((await local.decide(input)).question);
  });

  it("answers a confident, well-separated candidate with the approved text", async () => {
    const engine = createHybridEngine({
      lexical: fixed([c("ship", 0.97), c("track", 0.1)]),
      ...rules,
      entries,
    });

    const result = await engine.decide(input);

    expect(result.decision).toMatchObject({ kind: "answer", faqIds: ["ship"] });
  });
});

describe("follow-ups read with the conversation's topic, as the local engine reads them", () => {
  const kb = loadJsonlKb(resolve("local/seed/faq.example.jsonl"));
  const bedrock = mockClient(BedrockRuntimeClient);
  const client = new BedrockRuntimeClient({ region: "us-east-1" });
  const generator = createBedrockGenerator({ client, modelId: "anthropic.claude-3-haiku-20240307-v1:0" });
  const local = createLocalEngine(kb);
  const rewriter = {
    calls: 0,
    async rewrite(text: string) {
      this.calls++;
      return { query: text, rewritten: false };
    },
  };
  const hybrid = () => {
    const lexical = createLexicalRetriever(kb);
    const queries: string[] = [];
    const engine = createHybridEngine({
      lexical: {
        search(query, k) {
          queries.push(query);
          return lexical.search(query, k);
        },
      },
      generator,
      rewrite: rewriter,
      ...rulesFor(kb),
      entries: kb,
    });
    return { engine, queries };
  };
  beforeEach(() => {
    bedrock.reset();
    rewriter.calls = 0;
    bedrock.on(ConverseCommand).resolves(
      answerToolResponse({
        answer: "港澳台暂不支持直接配送哦。",
        faq_ids: ["zh-shipping-area"],
        confidence: 0.9,
        needs_human: false,
      }),
    );
  });

  it("answers an elliptical follow-up in context, and the model is asked the question in context", async () => {
    const topic = { question: "能寄到香港不", faqIds: ["zh-shipping-area"] };
    const { engine, queries } = hybrid();

    const result = await engine.decide({ text: "那澳门呢", history: [], topic });
    const same = await local.decide({ text: "那澳门呢", history: [], topic });

    // "那澳门呢" only gives a value (a place) for the previous question, whose entry names places: it is
    // that entry again, with no retrieval (core/understanding/followup.ts slotConcepts), as in the local engine.
    expect(queries).toEqual([]);
    expect(result.decision).toMatchObject({ kind: "answer", faqIds: ["zh-shipping-area"] });
    expect(same.decision).toMatchObject({ kind: "answer", faqIds: ["zh-shipping-area"] });
    expect(result.question).toBe("能寄到香港不 那澳门呢");
    const sent = JSON.stringify(bedrock.commandCalls(ConverseCommand)[0]?.args[0].input.messages);
    expect(sent).toContain("能寄到香港不 那澳门呢");
    // The topic replaces the history rewriter: one way of reading a follow-up.
    expect(rewriter.calls).toBe(0);
  });

  it("offers a choice in context where the local engine does, without calling the model", async () => {
    const topic = { question: "怎么退货", faqIds: ["zh-return-how"] };
    const { engine } = hybrid();

    const result = await engine.decide({ text: "那运费呢", history: [], topic });
    const same = await local.decide({ text: "那运费呢", history: [], topic });

    expect(result.decision.kind).toBe("clarify");
    expect(result.decision).toEqual(same.decision);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
  });

  it("reads a message answered on its own once, whatever the topic", async () => {
    const { engine, queries } = hybrid();

    const result = await engine.decide({
      text: "港澳台和海外可以配送吗 我在新加坡",
      history: [],
      topic: { question: "怎么退货", faqIds: ["zh-return-how"] },
    });

    expect(result.decision).toMatchObject({ kind: "answer", faqIds: ["zh-shipping-area"] });
    expect(queries).toEqual(["港澳台和海外可以配送吗 我在新加坡"]);
  });

  it("rewrites from the history only when the conversation has no topic", async () => {
    const { engine } = hybrid();

    await engine.decide({ text: "那澳门呢", history: [] });

    expect(rewriter.calls).toBe(1);
  });
});
