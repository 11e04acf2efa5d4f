import {
  type BedrockRuntimeClient,
  ConverseCommand,
  type ConverseResponse,
} from "@aws-sdk/client-bedrock-runtime";
import {
  type ConversationGrader,
  type GradeOutcome,
  parseGrade,
  REVIEW_SYSTEM_PROMPT,
  REVIEW_TOOL_NAME,
  REVIEW_TOOL_SCHEMA,
  type ReviewInput,
  reviewPrompt,
} from "../core/quality/review";
import { forcedTool, tokenUsage, toolCall } from "./converse";
import { type RetryOptions, withRetry, withTimeout } from "./retry";

export interface BedrockGraderOptions {
  client: BedrockRuntimeClient;
  /** A Converse model that supports forced tool choice (Anthropic Claude 3+, Amazon Nova, Mistral Large). */
  modelId: string;
  /** Budget of one review, retries included (nobody waits on it; the SLA clock's tick does). */
  timeoutMs?: number;
  maxAttempts?: number;
  /** Backoff tuning (tests shrink the delays). */
  retry?: Omit<RetryOptions, "maxAttempts" | "signal">;
  maxTokens?: number;
}

/**
 * The QA review's grader on Bedrock: one Converse call with the review tool forced, its input
 * validated against the grade's schema. A refusal (guardrail, content filter, no tool call) or an
 * input that is not a grade is answered as a failed review with its reason, never turned into a score;
 * a call that cannot complete (throttling after retries, timeout) throws, and the pass tries again later.
 */
export function createBedrockGrader(options: BedrockGraderOptions): ConversationGrader {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxAttempts = options.maxAttempts ?? 3;
  return {
    info: { kind: "model", name: options.modelId },
    async grade(input) {
      const command = new ConverseCommand(reviewRequest(input, options));
      const response = await withTimeout(timeoutMs, (signal) =>
        withRetry(() => options.client.send(command, { abortSignal: signal }), {
          ...options.retry,
          maxAttempts,
          signal,
        }),
      );
      return gradeOf(response);
    },
  };
}

export function reviewRequest(
  input: ReviewInput,
  options: Pick<BedrockGraderOptions, "modelId" | "maxTokens">,
) {
  return {
    modelId: options.modelId,
    system: [{ text: REVIEW_SYSTEM_PROMPT }],
    messages: [{ role: "user" as const, content: [{ text: reviewPrompt(input) }] }],
    inferenceConfig: { maxTokens: options.maxTokens ?? 600, temperature: 0 },
    toolConfig: forcedTool({
      name: REVIEW_TOOL_NAME,
      description: "Record the review of the agent's handling of this conversation.",
      inputSchema: { json: REVIEW_TOOL_SCHEMA },
    }),
  };
}

function gradeOf(response: ConverseResponse): GradeOutcome {
  const usage = tokenUsage(response);
  if (response.stopReason === "guardrail_intervened" || response.stopReason === "content_filtered") {
    return { ok: false, code: "model_refused", reason: `the model refused (${response.stopReason})`, usage };
  }
  const toolUse = toolCall(response, REVIEW_TOOL_NAME);
  if (!toolUse) {
    return {
      ok: false,
      code: "malformed_output",
      reason: `no ${REVIEW_TOOL_NAME} call (stopReason ${response.stopReason ?? "none"})`,
      usage,
    };
  }
  const parsed = parseGrade(toolUse.input);
  return parsed.ok
    ? { ok: true, grade: parsed.grade, usage }
    : { ok: false, code: "malformed_output", reason: parsed.reason, usage };
}
