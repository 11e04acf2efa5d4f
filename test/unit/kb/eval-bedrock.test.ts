import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandInput,
  InvokeModelCommand,
  ThrottlingException,
} from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createBedrockEvalEngine } from "../../../local/eval/bedrock";
import { type EvalFile, toEntries } from "../../../local/eval/file";
import { computeMetrics } from "../../../local/eval/metrics";
import { runEngine } from "../../../local/eval/run";
import { createLocalEmbedder } from "../../../shared/ai/local-embedder";
import { BedrockConfigError } from "../../../shared/config/errors";
import { DEFAULT_THRESHOLDS } from "../../../shared/core/thresholds";
import { answerToolResponse } from "../../support/bedrock";

/**
 * The eval tool's Bedrock engine with Bedrock mocked at the SDK boundary: Titan answers with the local
 * hashing embedder's vectors (similar texts → similar vectors), Converse cites the first FAQ id it was
 * given. What is under test is the wiring: every phrasing embedded once, the worker's engine built from
 * those vectors, tokens and model failures counted.
 */
const bedrock = mockClient(BedrockRuntimeClient);
const client = new BedrockRuntimeClient({ region: "us-east-1" });
const hashing = createLocalEmbedder({ dimensions: 256 });
const ENV = {
  KEFU_EMBEDDING_DIMENSIONS: "256",
  KEFU_ANSWER_MODEL_ID: "anthropic.claude-3-haiku-20240307-v1:0",
};

const FILE: EvalFile = {
  faq: [
    {
      id: "card",
      questions: ["When will my card arrive?", "My card has not arrived yet", "card delivery time"],
      answer: "Cards arrive within 5 working days.",
    },
    {
      id: "pin",
      questions: ["How do I change my PIN?", "I want a new PIN", "reset my PIN code"],
      answer: "Change your PIN in the app.",
    },
  ],
  // Paraphrases: a phrasing typed verbatim is answered by the exact lookup, before retrieval and models.
  queries: [
    { text: "When will my new card arrive?", expected: "card" },
    { text: "How do I change my PIN code?", expected: "pin" },
    { text: "what is the weather in Paris tomorrow", expected: null },
  ],
};

function titanReplies() {
  bedrock.on(InvokeModelCommand).callsFake(async (input: { body: string }) => {
    const { inputText, dimensions } = JSON.parse(input.body) as { inputText: string; dimensions: number };
    const [vector] = await hashing.embed([inputText]);
    expect(dimensions).toBe(256);
    return { body: new TextEncoder().encode(JSON.stringify({ embedding: Array.from(vector ?? []) })) };
  });
}

function converseCitesFirstEntry() {
  bedrock.on(ConverseCommand).callsFake((input: ConverseCommandInput) => {
    const text = JSON.stringify(input.messages);
    const id = /<faq id=\\"([^\\]+)\\"/.exec(text)?.[1] ?? "none";
    return answerToolResponse(
      { answer: `About ${id}`, faq_ids: [id], confidence: 0.9, needs_human: false },
      { usage: { inputTokens: 200, outputTokens: 20 } },
    );
  });
}

describe("eval --engine bedrock", () => {
  beforeEach(() => {
    bedrock.reset();
    titanReplies();
    converseCitesFirstEntry();
  });

  it("embeds every phrasing once, answers through the worker's engine and counts the tokens", async () => {
    const built = await createBedrockEvalEngine(toEntries(FILE), {
      env: ENV,
      thresholds: DEFAULT_THRESHOLDS,
      generate: true,
      client,
    });
    expect(built.embedded).toBe(6);
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(6);

    const run = await runEngine(FILE, built.engine, { concurrency: 2 });
    const metrics = computeMetrics(run.outcomes);

    // Close paraphrases are answered with their own entry; each query costs one query embedding.
    expect(run.outcomes.map((o) => o.kind === "answer" && o.faqId)).toEqual(["card", "pin", false]);
    expect(metrics).toMatchObject({ inScopeAccuracy: 1, answerPrecision: 1, oosRecall: 1 });
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(6 + 3);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(2);
    expect(run.usage).toEqual({ inputTokens: 400, outputTokens: 40 });
    expect(built.answerModel).toBe(ENV.KEFU_ANSWER_MODEL_ID);
    expect(built.errors).toEqual({ rewrite: 0, dense: 0, generate: 0 });
  });

  it("with --retrieval-only needs no answer model and never calls Converse", async () => {
    const built = await createBedrockEvalEngine(toEntries(FILE), {
      env: { KEFU_EMBEDDING_DIMENSIONS: "256" },
      thresholds: DEFAULT_THRESHOLDS,
      generate: false,
      client,
    });
    const run = await runEngine(FILE, built.engine);

    expect(run.outcomes.map((o) => o.kind)).toEqual(["answer", "answer", "handoff"]);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
    expect(built.answerModel).toBeUndefined();
  });

  it("counts model failures instead of hiding them behind the fallback", async () => {
    bedrock.on(ConverseCommand).rejects(new ThrottlingException({ message: "slow down", $metadata: {} }));
    const built = await createBedrockEvalEngine(toEntries(FILE), {
      env: ENV,
      thresholds: DEFAULT_THRESHOLDS,
      generate: true,
      client,
    });
    const run = await runEngine(FILE, built.engine);

    expect(built.errors.generate).toBe(2);
    // Retrieval alone was confident on the close paraphrases: the approved answers were the fallback.
    expect(run.outcomes.filter((o) => o.kind === "answer")).toHaveLength(2);
  }, 30_000);

  it("refuses a configuration the worker would refuse", async () => {
    await expect(
      createBedrockEvalEngine(toEntries(FILE), {
        env: { KEFU_EMBEDDING_DIMENSIONS: "300" },
        thresholds: DEFAULT_THRESHOLDS,
        generate: false,
        client,
      }),
    ).rejects.toThrow(BedrockConfigError);
    await expect(
      createBedrockEvalEngine(toEntries(FILE), {
        env: {},
        thresholds: DEFAULT_THRESHOLDS,
        generate: true,
        client,
      }),
    ).rejects.toThrow(/KEFU_ANSWER_MODEL_ID/);
  });
});
