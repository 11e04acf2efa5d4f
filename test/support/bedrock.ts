import type { ConverseCommandOutput } from "@aws-sdk/client-bedrock-runtime";
import { ANSWER_TOOL_NAME } from "../../shared/ai/bedrock-generator";

/** A Converse response in the documented shape: the model called the answer tool with `input`. */
export function answerToolResponse(
  input: unknown,
  options: {
    usage?: { inputTokens: number; outputTokens: number };
    stopReason?: "tool_use" | "end_turn";
  } = {},
): ConverseCommandOutput {
  const usage = options.usage ?? { inputTokens: 300, outputTokens: 40 };
  return {
    $metadata: {},
    output: {
      message: {
        role: "assistant",
        content: [
          {
            toolUse: {
              toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
              name: ANSWER_TOOL_NAME,
              input: input as never,
            },
          },
        ],
      },
    },
    stopReason: options.stopReason ?? "tool_use",
    usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
    metrics: { latencyMs: 500 },
  };
}
