import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandOutput,
} from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createBedrockRewriter,
  createHeuristicRewriter,
  heuristicRewrite,
  looksLikeFollowUp,
  parseStandalone,
} from "../../../shared/ai/rewrite";
import type { Turn } from "../../../shared/core/conversation";

const at = "2024-05-01T08:00:00Z";
const customer = (text: string): Turn => ({ role: "customer", text, at });
const bot = (text: string): Turn => ({ role: "bot", text, at });

const zhHistory = [customer("快递一般多久能到?"), bot("一般3-5天送达。")];
const enHistory = [customer("How long does shipping to Canada take?"), bot("Usually 5-7 business days.")];

describe("follow-up detection", () => {
  it.each([
    ["那退货呢?", zhHistory],
    ["那个呢", zhHistory],
    ["退货呢?", zhHistory],
    ["这个要多久", zhHistory],
    ["and for that one?", enHistory],
    ["What about returns?", enHistory],
    ["how about express?", enHistory],
    ["is it free?", enHistory],
  ])("%s is a follow-up", (text, history) => {
    expect(looksLikeFollowUp(text, history)).toBe(true);
  });

  it.each([
    ["我买的衣服尺码不合适,想申请退货,请问流程是什么?", zhHistory],
    ["发票怎么开?", zhHistory],
    ["How do I return an item I bought last week?", enHistory],
    ["Can I change my delivery address?", enHistory],
    ["那退货呢?", []],
    ["what about returns?", [bot("Hello! How can I help?")]],
  ])("%s is not a follow-up (standalone, or nothing to lean on)", (text, history) => {
    expect(looksLikeFollowUp(text, history)).toBe(false);
  });

  it("does not take the current message, already recorded in history, as its own antecedent", () => {
    expect(looksLikeFollowUp("那退货呢?", [customer("那退货呢?")])).toBe(false);
  });
});

describe("heuristic rewrite", () => {
  it("puts the follow-up's new terms before the previous question's key terms (zh)", () => {
    const q = heuristicRewrite("那退货呢?", zhHistory);
    expect(q.startsWith("退货")).toBe(true);
    expect(q).toContain("快递一般多久能到");
    expect(q).not.toMatch(/那|呢|\?/);
  });

  it("falls back to the previous question when the follow-up has no new terms", () => {
    expect(heuristicRewrite("那个呢", zhHistory)).toBe("快递一般多久能到");
    expect(heuristicRewrite("and for that one?", enHistory)).toBe("how long does shipping canada take");
  });

  it("combines English terms without the stop words", () => {
    expect(heuristicRewrite("What about returns?", enHistory)).toBe(
      "returns how long does shipping canada take",
    );
  });

  it("follows a chain of follow-ups back to the topic", () => {
    const history = [...zhHistory, customer("那退货呢?"), bot("退货一般7天。")];
    const q = heuristicRewrite("那个要钱吗", history);
    expect(q).toContain("退货");
    expect(q).toContain("要钱");
  });

  it("leaves standalone questions untouched", async () => {
    const text = "Can I change my delivery address?";
    await expect(createHeuristicRewriter().rewrite(text, enHistory)).resolves.toEqual({
      query: text,
      rewritten: false,
    });
  });
});

const bedrock = mockClient(BedrockRuntimeClient);
const client = new BedrockRuntimeClient({ region: "us-east-1" });

function textResponse(text: string): ConverseCommandOutput {
  return {
    $metadata: {},
    output: { message: { role: "assistant", content: [{ text }] } },
    stopReason: "end_turn",
    usage: { inputTokens: 80, outputTokens: 12, totalTokens: 92 },
    metrics: { latencyMs: 200 },
  };
}

describe("Bedrock rewrite", () => {
  beforeEach(() => bedrock.reset());

  it("uses the model's standalone question and records its tokens", async () => {
    bedrock.on(ConverseCommand).resolves(textResponse('```json\n{"standalone": "退货一般多久能到?"}\n```'));
    const rewriter = createBedrockRewriter({ client, modelId: "amazon.nova-micro-v1:0" });

    const result = await rewriter.rewrite("那退货呢?", zhHistory);

    expect(result).toEqual({
      query: "退货一般多久能到?",
      rewritten: true,
      usage: { inputTokens: 80, outputTokens: 12 },
    });
    const prompt = JSON.stringify(bedrock.commandCalls(ConverseCommand)[0]?.args[0].input.messages);
    expect(prompt).toContain("快递一般多久能到");
  });

  it("falls back to the heuristic when the model's output is not the JSON asked for", async () => {
    bedrock.on(ConverseCommand).resolves(textResponse("Sure! The standalone question is: returns?"));
    const rewriter = createBedrockRewriter({ client, modelId: "amazon.nova-micro-v1:0" });

    const result = await rewriter.rewrite("What about returns?", enHistory);

    expect(result.query).toBe(heuristicRewrite("What about returns?", enHistory));
    expect(result.usage).toEqual({ inputTokens: 80, outputTokens: 12 });
  });

  it("falls back to the heuristic when Bedrock fails", async () => {
    bedrock.on(ConverseCommand).rejects(new Error("socket hang up"));
    const rewriter = createBedrockRewriter({ client, modelId: "amazon.nova-micro-v1:0" });

    await expect(rewriter.rewrite("那退货呢?", zhHistory)).resolves.toMatchObject({
      query: heuristicRewrite("那退货呢?", zhHistory),
      rewritten: true,
    });
  });

  it("does not call Bedrock for a standalone question", async () => {
    const rewriter = createBedrockRewriter({ client, modelId: "amazon.nova-micro-v1:0" });

    await rewriter.rewrite("发票怎么开?", zhHistory);

    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
  });

  it("rejects JSON without a standalone question", () => {
    expect(() => parseStandalone('{"question": "x"}')).toThrow(/standalone/);
    expect(() => parseStandalone('{"standalone": ""}')).toThrow();
  });
});
