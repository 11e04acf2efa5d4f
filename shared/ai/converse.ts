import type {
  ConverseResponse,
  ToolConfiguration,
  ToolSpecification,
  ToolUseBlock,
} from "@aws-sdk/client-bedrock-runtime";
import type { TokenUsage } from "./errors";

/**
 * What the Bedrock adapters share about a Converse call: the tokens it spent, and structured output
 * through one tool the model is made to call (the answer generator's, the QA grader's).
 */

/** The tokens a Converse call spent; 0 where Bedrock does not say. */
export function tokenUsage(response: Pick<ConverseResponse, "usage">): TokenUsage {
  return {
    inputTokens: response.usage?.inputTokens ?? 0,
    outputTokens: response.usage?.outputTokens ?? 0,
  };
}

/** The tool configuration that offers one tool and makes the model call it. */
export function forcedTool(tool: ToolSpecification): ToolConfiguration {
  return { tools: [{ toolSpec: tool }], toolChoice: { tool: { name: tool.name } } };
}

/** The model's call of the named tool, or undefined when it made none. */
export function toolCall(response: ConverseResponse, name: string): ToolUseBlock | undefined {
  return response.output?.message?.content?.find((block) => block.toolUse?.name === name)?.toolUse;
}
