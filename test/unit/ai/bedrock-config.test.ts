import { describe, expect, it } from "vitest";
import { guardrailFromConfig, loadBedrockConfig } from "../../../shared/config/engine";
import { BedrockConfigError } from "../../../shared/config/errors";

describe("Bedrock configuration", () => {
  it("defaults to the local engine and Titan V2 at 1024 dimensions", () => {
    const config = loadBedrockConfig({});
    expect(config).toMatchObject({
      KEFU_ENGINE: "local",
      KEFU_EMBEDDING_MODEL_ID: "amazon.titan-embed-text-v2:0",
      KEFU_EMBEDDING_DIMENSIONS: 1024,
      KEFU_ANSWER_TIMEOUT_MS: 8000,
    });
    expect(guardrailFromConfig(config)).toBeUndefined();
  });

  it("reads a full Bedrock setup", () => {
    const config = loadBedrockConfig({
      KEFU_ENGINE: "bedrock",
      KEFU_ANSWER_MODEL_ID: "anthropic.claude-3-haiku-20240307-v1:0",
      KEFU_EMBEDDING_DIMENSIONS: "512",
      KEFU_GUARDRAIL_ID: "gr-abc123",
      KEFU_GUARDRAIL_VERSION: "DRAFT",
    });
    expect(config.KEFU_EMBEDDING_DIMENSIONS).toBe(512);
    expect(guardrailFromConfig(config)).toEqual({ id: "gr-abc123", version: "DRAFT" });
  });

  it.each([
    ["bedrock without an answer model", { KEFU_ENGINE: "bedrock" }, /KEFU_ANSWER_MODEL_ID/],
    ["a size Titan V2 does not make", { KEFU_EMBEDDING_DIMENSIONS: "768" }, /KEFU_EMBEDDING_DIMENSIONS/],
    ["a guardrail id without a version", { KEFU_GUARDRAIL_ID: "gr-abc123" }, /KEFU_GUARDRAIL_VERSION/],
    ["an unknown engine", { KEFU_ENGINE: "openai" }, /KEFU_ENGINE/],
  ])("fails at cold start on %s", (_, env, message) => {
    expect(() => loadBedrockConfig(env)).toThrow(BedrockConfigError);
    expect(() => loadBedrockConfig(env)).toThrow(message);
  });
});
