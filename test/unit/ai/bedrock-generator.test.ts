import { BedrockRuntimeClient, ConverseCommand, ThrottlingException } from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { ANSWER_TOOL_NAME, createBedrockGenerator } from "../../../shared/ai/bedrock-generator";
import {
  MalformedModelOutputError,
  ModelTimeoutError,
  RetryExhaustedError,
  UngroundedAnswerError,
} from "../../../shared/ai/errors";
import type { FaqEntry } from "../../../shared/core/faq";
import { answerToolResponse } from "../../support/bedrock";

const bedrock = mockClient(BedrockRuntimeClient);
const client = new BedrockRuntimeClient({ region: "us-east-1" });
const MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
const fast = { baseDelayMs: 1, maxDelayMs: 2 };

const entries: FaqEntry[] = [
  {
    id: "faq-shipping",
    question: "多久发货?",
    similarQuestions: ["什么时候发货"],
    answer: "付款后48小时内发货。",
  },
  {
    id: "faq-returns",
    question: "怎么退货?",
    similarQuestions: [],
    answer: "签收后7天内可在订单页申请退货。",
  },
];

/** The answer tool called with `input`; the usage figures are asserted below. */
const toolResponse = (input: unknown, stopReason: "tool_use" | "end_turn" = "tool_use") =>
  answerToolResponse(input, { stopReason, usage: { inputTokens: 412, outputTokens: 57 } });

const grounded = {
  answer: "付款后48小时内发货哦。",
  faq_ids: ["faq-shipping"],
  confidence: 0.92,
  needs_human: false,
};
const input = { question: "什么时候发货?", history: [], entries };

beforeEach(() => bedrock.reset());

describe("a grounded answer", () => {
  it("returns the answer, its entries and the token usage", async () => {
    bedrock.on(ConverseCommand).resolves(toolResponse(grounded));
    const generator = createBedrockGenerator({ client, modelId: MODEL });

    const result = await generator.generate(input);

    expect(result).toMatchObject({
      text: "付款后48小时内发货哦。",
      faqIds: ["faq-shipping"],
      confidence: 0.92,
      needsHuman: false,
      usage: { inputTokens: 412, outputTokens: 57 },
    });
  });

  it("forces the answer tool and puts only the given entries in the prompt", async () => {
    bedrock.on(ConverseCommand).resolves(toolResponse(grounded));
    const generator = createBedrockGenerator({ client, modelId: MODEL });

    await generator.generate({
      ...input,
      history: [{ role: "customer", text: "你好", at: "2024-05-01T08:00:00Z" }],
    });

    const sent = bedrock.commandCalls(ConverseCommand)[0]?.args[0].input;
    expect(sent?.modelId).toBe(MODEL);
    expect(sent?.toolConfig?.toolChoice).toEqual({ tool: { name: ANSWER_TOOL_NAME } });
    expect(sent?.toolConfig?.tools?.[0]?.toolSpec?.inputSchema?.json).toMatchObject({
      required: ["answer", "faq_ids", "confidence", "needs_human"],
    });
    expect(sent?.system?.[0]?.text).toMatch(/ONLY the FAQ/);
    const prompt = JSON.stringify(sent?.messages);
    expect(prompt).toContain('<faq id=\\"faq-returns\\">');
    expect(prompt).toContain("customer: 你好");
    expect(prompt).toContain("什么时候发货?");
    expect(sent?.guardrailConfig).toBeUndefined();
  });
});

describe("an ungrounded answer", () => {
  it("is rejected when it cites an entry it was not given", async () => {
    bedrock
      .on(ConverseCommand)
      .resolves(toolResponse({ ...grounded, faq_ids: ["faq-shipping", "faq-warranty"] }));
    const generator = createBedrockGenerator({ client, modelId: MODEL });

    const error = await generator.generate(input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UngroundedAnswerError);
    expect((error as UngroundedAnswerError).citedIds).toContain("faq-warranty");
    expect((error as UngroundedAnswerError).usage).toEqual({ inputTokens: 412, outputTokens: 57 });
  });

  it("is rejected when it cites no entry", async () => {
    bedrock.on(ConverseCommand).resolves(toolResponse({ ...grounded, faq_ids: [] }));
    const generator = createBedrockGenerator({ client, modelId: MODEL });

    await expect(generator.generate(input)).rejects.toBeInstanceOf(UngroundedAnswerError);
  });
});

describe("malformed output", () => {
  it("is rejected when the model wrote text instead of calling the tool", async () => {
    bedrock.on(ConverseCommand).resolves({
      ...toolResponse(grounded, "end_turn"),
      output: { message: { role: "assistant", content: [{ text: "付款后48小时内发货。" }] } },
    });
    const generator = createBedrockGenerator({ client, modelId: MODEL });

    await expect(generator.generate(input)).rejects.toBeInstanceOf(MalformedModelOutputError);
  });

  it.each([
    ["confidence as a word", { ...grounded, confidence: "high" }],
    ["confidence out of range", { ...grounded, confidence: 7 }],
    ["missing needs_human", { answer: "x", faq_ids: ["faq-shipping"], confidence: 0.9 }],
    ["empty answer", { ...grounded, answer: "  " }],
  ])("is rejected with %s", async (_, toolInput) => {
    bedrock.on(ConverseCommand).resolves(toolResponse(toolInput));
    const generator = createBedrockGenerator({ client, modelId: MODEL });

    await expect(generator.generate(input)).rejects.toBeInstanceOf(MalformedModelOutputError);
  });
});

describe("throttling and time", () => {
  it("retries a throttled call and then answers", async () => {
    bedrock
      .on(ConverseCommand)
      .rejectsOnce(new ThrottlingException({ message: "Too many requests", $metadata: {} }))
      .resolves(toolResponse(grounded));
    const generator = createBedrockGenerator({ client, modelId: MODEL, retry: fast });

    const result = await generator.generate(input);

    expect(result.text).toBe("付款后48小时内发货哦。");
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(2);
  });

  it("gives up after maxAttempts", async () => {
    bedrock
      .on(ConverseCommand)
      .rejects(new ThrottlingException({ message: "Too many requests", $metadata: {} }));
    const generator = createBedrockGenerator({ client, modelId: MODEL, maxAttempts: 2, retry: fast });

    await expect(generator.generate(input)).rejects.toBeInstanceOf(RetryExhaustedError);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(2);
  });

  it("aborts a call that never answers", async () => {
    bedrock.on(ConverseCommand).callsFake(() => new Promise(() => {}));
    const generator = createBedrockGenerator({ client, modelId: MODEL, timeoutMs: 30 });

    const started = Date.now();
    const error = await generator.generate(input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelTimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The SDK's send(command, options): the mock records both arguments even though its type says one.
    const call = bedrock.commandCalls(ConverseCommand)[0] as unknown as { args: unknown[] };
    const options = call.args[1] as { abortSignal?: AbortSignal };
    expect(options.abortSignal?.aborted).toBe(true);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(1);
  });
});

describe("the message's deadline", () => {
  it("aborts the call when the caller's signal fires, before the generator's own timeout", async () => {
    bedrock.on(ConverseCommand).callsFake(() => new Promise(() => {}));
    const generator = createBedrockGenerator({ client, modelId: MODEL, timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = generator.generate(input, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error("deadline"));
    const error = await pending;
    expect(error).toBeInstanceOf(ModelTimeoutError);
    const call = bedrock.commandCalls(ConverseCommand)[0] as unknown as { args: unknown[] };
    expect((call.args[1] as { abortSignal?: AbortSignal }).abortSignal?.aborted).toBe(true);
  });
});

describe("hand-off", () => {
  it("hands off when the guardrail intervened, and sends only the customer's words to it", async () => {
    bedrock.on(ConverseCommand).resolves({
      $metadata: {},
      output: { message: { role: "assistant", content: [{ text: "Sorry, I can't help with that." }] } },
      stopReason: "guardrail_intervened",
      usage: { inputTokens: 120, outputTokens: 0, totalTokens: 120 },
      metrics: { latencyMs: 300 },
    });
    const generator = createBedrockGenerator({
      client,
      modelId: MODEL,
      guardrail: { id: "gr-abc123", version: "2" },
    });

    const result = await generator.generate(input);

    expect(result).toMatchObject({ needsHuman: true, humanReason: "guardrail_intervened", text: "" });
    expect(result.usage.inputTokens).toBe(120);
    const sent = bedrock.commandCalls(ConverseCommand)[0]?.args[0].input;
    expect(sent?.guardrailConfig).toMatchObject({ guardrailIdentifier: "gr-abc123", guardrailVersion: "2" });
    expect(sent?.messages?.[0]?.content?.[1]).toEqual({ guardContent: { text: { text: "什么时候发货?" } } });
  });

  it("hands off when the model asks for a person", async () => {
    bedrock.on(ConverseCommand).resolves(
      toolResponse({
        answer: "",
        faq_ids: [],
        confidence: 0.2,
        needs_human: true,
        reason: "complaint about damage",
      }),
    );
    const generator = createBedrockGenerator({ client, modelId: MODEL });

    const result = await generator.generate(input);

    expect(result).toMatchObject({
      needsHuman: true,
      humanReason: "model_requested",
      detail: "complaint about damage",
    });
  });
});
