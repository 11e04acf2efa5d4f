import { BedrockRuntimeClient, ConverseCommand, ThrottlingException } from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createBedrockGrader } from "../../../shared/ai/bedrock-grader";
import { RetryExhaustedError } from "../../../shared/ai/errors";
import { REVIEW_TOOL_NAME, type ReviewInput } from "../../../shared/core/quality/review";

const bedrock = mockClient(BedrockRuntimeClient);
const client = new BedrockRuntimeClient({ region: "us-east-1" });
const MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
const fast = { baseDelayMs: 1, maxDelayMs: 2 };
const usage = { inputTokens: 900, outputTokens: 150, totalTokens: 1050 };

const input: ReviewInput = {
  ticketId: "KF-REVIEW01",
  channel: "wechat",
  agent: "zhang",
  transcript: [
    { role: "customer", text: "我的手机138****5678，怎么退货？" },
    { role: "agent", text: "抱歉，签收后7天内可在订单页申请退货。" },
  ],
  omittedTurns: 0,
  faq: [{ id: "faq-returns", question: "怎么退货？", answer: "签收后7天内可在订单页申请退货。" }],
  csat: 5,
};

const grade = {
  empathy: { score: 4, reasons: ["道歉了"] },
  resolution: { score: 5, reasons: ["问题已解决", "客户评分 5/5"] },
  accuracy: { score: 5, reasons: ["与 FAQ 一致"] },
};

const toolCall = (toolInput: unknown, name = REVIEW_TOOL_NAME) => ({
  $metadata: {},
  output: {
    message: {
      role: "assistant" as const,
      content: [{ toolUse: { toolUseId: "tooluse_1", name, input: toolInput as never } }],
    },
  },
  stopReason: "tool_use" as const,
  usage,
});

const grader = () => createBedrockGrader({ client, modelId: MODEL, retry: fast });

describe("Bedrock grader", () => {
  beforeEach(() => bedrock.reset());

  it("sends the masked conversation and the FAQ with the review tool forced, and returns the grade", async () => {
    bedrock.on(ConverseCommand).resolves(toolCall(grade));
    const outcome = await grader().grade(input);
    expect(outcome).toEqual({ ok: true, grade, usage: { inputTokens: 900, outputTokens: 150 } });
    const sent = bedrock.commandCalls(ConverseCommand)[0]?.args[0].input;
    expect(sent?.modelId).toBe(MODEL);
    expect(sent?.toolConfig?.toolChoice).toEqual({ tool: { name: REVIEW_TOOL_NAME } });
    expect(sent?.inferenceConfig?.temperature).toBe(0);
    const text = JSON.stringify(sent?.messages);
    expect(text).toContain("138****5678");
    expect(text).toContain('<faq id=\\"faq-returns\\">');
    expect(text).toContain("rating after the resolve: 5/5");
  });

  it("is a model grader, named by its model", () => {
    expect(grader().info).toEqual({ kind: "model", name: MODEL });
  });

  it("answers a grade out of range as a failed review, not a score", async () => {
    bedrock.on(ConverseCommand).resolves(toolCall({ ...grade, accuracy: { score: 9, reasons: ["?"] } }));
    expect(await grader().grade(input)).toMatchObject({
      ok: false,
      code: "malformed_output",
      reason: expect.stringContaining("accuracy.score"),
    });
  });

  it("answers a reply without the tool call (prose, another tool) as a failed review", async () => {
    bedrock.on(ConverseCommand).resolves({
      $metadata: {},
      output: { message: { role: "assistant", content: [{ text: "I would rate this 4/5." }] } },
      stopReason: "end_turn",
      usage,
    });
    expect(await grader().grade(input)).toMatchObject({ ok: false, code: "malformed_output" });
    bedrock.on(ConverseCommand).resolves(toolCall(grade, "answer_from_faq"));
    expect(await grader().grade(input)).toMatchObject({ ok: false, code: "malformed_output" });
  });

  it("answers a refusal (content filter, guardrail) as a failed review with the reason", async () => {
    bedrock.on(ConverseCommand).resolves({
      $metadata: {},
      output: { message: { role: "assistant", content: [{ text: "" }] } },
      stopReason: "content_filtered",
      usage,
    });
    expect(await grader().grade(input)).toMatchObject({
      ok: false,
      code: "model_refused",
      reason: expect.stringContaining("content_filtered"),
    });
  });

  it("throws when Bedrock stays unavailable, so the pass tries again later", async () => {
    bedrock
      .on(ConverseCommand)
      .rejects(new ThrottlingException({ message: "slow down", $metadata: { httpStatusCode: 429 } }));
    await expect(grader().grade(input)).rejects.toBeInstanceOf(RetryExhaustedError);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(3);
  });
});
