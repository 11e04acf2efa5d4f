import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { denseItems, type EntryWithVectors } from "../../../shared/ai/hybrid-build";
import { selectEngine } from "../../../shared/aws/bedrock";
import { engineConfig } from "../../../shared/config/engine";
import { BedrockConfigError, ThresholdConfigError } from "../../../shared/config/errors";
import { thresholdsFromEnv } from "../../../shared/config/thresholds";
import { answerToolResponse } from "../../support/bedrock";

const bedrock = mockClient(BedrockRuntimeClient);
const client = new BedrockRuntimeClient({ region: "us-east-1" });
const TITAN = "amazon.titan-embed-text-v2:0";
const MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
const BEDROCK_ENV = {
  KEFU_ENGINE: "bedrock",
  KEFU_ANSWER_MODEL_ID: MODEL,
  KEFU_EMBEDDING_DIMENSIONS: "256",
};

const unit = (i: number) => {
  const v = new Float32Array(256);
  v[i] = 1;
  return v;
};

function kb(modelId = TITAN): EntryWithVectors[] {
  return [
    {
      id: "card_arrival",
      question: "When will my card arrive?",
      similarQuestions: ["My card has not arrived yet"],
      answer: "Cards arrive within 5 working days.",
      vectors: { modelId, values: [unit(0), unit(1)] },
    },
    {
      id: "change_pin",
      question: "How do I change my PIN?",
      similarQuestions: ["I want a new PIN"],
      answer: "Change your PIN in the app under Card > PIN.",
      vectors: { modelId, values: [unit(2), unit(3)] },
    },
  ];
}

const converse = (input: unknown) => answerToolResponse(input);

/** The engine settings the worker loads from this environment in this mode (shared/config). */
const fromEnv = (env: Record<string, string>, mode: "aws" | "local") => ({
  engine: engineConfig(env, mode),
  thresholds: thresholdsFromEnv(env),
});

beforeEach(() => bedrock.reset());

describe("engine kind", () => {
  it("defaults to the embedded engine in local mode and never calls Bedrock", async () => {
    const selection = selectEngine({ ...fromEnv({}, "local"), client });
    expect(selection.kind).toBe("local");
    expect(selection.vectors).toBe(false);
    const { decision } = await selection
      .build(kb())
      .decide({ text: "When will my card arrive?", history: [] });
    expect(decision).toMatchObject({ kind: "answer", faqIds: ["card_arrival"] });
    expect(bedrock.calls()).toHaveLength(0);
  });

  it("defaults to Bedrock in AWS mode and fails at cold start without an answer model", () => {
    expect(() => selectEngine({ ...fromEnv({}, "aws"), client })).toThrow(BedrockConfigError);
    expect(selectEngine({ ...fromEnv({ KEFU_ANSWER_MODEL_ID: MODEL }, "aws"), client }).kind).toBe("bedrock");
  });

  it("honours KEFU_ENGINE=local in AWS mode", () => {
    expect(selectEngine({ ...fromEnv({ KEFU_ENGINE: "local" }, "aws"), client }).kind).toBe("local");
  });
});

describe("the Bedrock engine", () => {
  it("embeds the query, fuses dense with lexical and phrases the answer with the model", async () => {
    bedrock.on(InvokeModelCommand).resolves({
      body: new TextEncoder().encode(JSON.stringify({ embedding: Array.from(unit(1)) })) as never,
    });
    bedrock.on(ConverseCommand).resolves(
      converse({
        answer: "About 5 working days.",
        faq_ids: ["card_arrival"],
        confidence: 0.9,
        needs_human: false,
      }),
    );
    const selection = selectEngine({ ...fromEnv(BEDROCK_ENV, "local"), client });
    expect(selection.vectors).toBe(true);
    // A paraphrase: a phrasing typed as it is gets its approved answer before any model (shared/kb/exact.ts).
    const result = await selection
      .build(kb())
      .decide({ text: "My new card has still not arrived", history: [] });
    expect(result.decision).toMatchObject({
      kind: "answer",
      text: "About 5 working days.",
      faqIds: ["card_arrival"],
    });
    expect(result.usage).toEqual({ inputTokens: 300, outputTokens: 40 });
    const embedCall = bedrock.commandCalls(InvokeModelCommand)[0]?.args[0].input;
    expect(embedCall?.modelId).toBe(TITAN);
    expect(bedrock.commandCalls(ConverseCommand)[0]?.args[0].input.modelId).toBe(MODEL);
  });

  it("skips dense retrieval when the stored vectors come from another model", async () => {
    bedrock.on(ConverseCommand).resolves(
      converse({
        answer: "About 5 working days.",
        faq_ids: ["card_arrival"],
        confidence: 0.9,
        needs_human: false,
      }),
    );
    const selection = selectEngine({ ...fromEnv(BEDROCK_ENV, "local"), client });
    const engine = selection.build(kb("kefu-local-hash-ngram-v1-256"));
    const { decision } = await engine.decide({ text: "My card has not arrived yet", history: [] });
    expect(decision.kind).toBe("answer");
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(0);
  });
});

describe("stored vectors", () => {
  it("keeps only vectors of the configured model and size, aligned with the phrasings", () => {
    const entries = kb();
    const other = {
      ...entries[1],
      vectors: { modelId: TITAN, values: [new Float32Array(8)] },
    } as EntryWithVectors;
    const items = denseItems([entries[0] as EntryWithVectors, other], TITAN, 256);
    expect(items.map((i) => [i.faqId, i.phrasing])).toEqual([
      ["card_arrival", "When will my card arrive?"],
      ["card_arrival", "My card has not arrived yet"],
    ]);
  });
});

describe("thresholds from the environment", () => {
  it("applies KEFU_ANSWER_THRESHOLD to the engine's decisions", async () => {
    const strict = selectEngine({ ...fromEnv({ KEFU_ANSWER_THRESHOLD: "1" }, "local"), client });
    expect(strict.thresholds.answerThreshold).toBe(1);
    const { decision } = await strict.build(kb()).decide({ text: "card arrive when", history: [] });
    expect(decision.kind).not.toBe("answer");
  });

  it.each([
    ["KEFU_ANSWER_THRESHOLD", "1.5"],
    ["KEFU_MARGIN_THRESHOLD", "-0.1"],
    ["KEFU_CLARIFY_THRESHOLD", "abc"],
    ["KEFU_CLARIFY_THRESHOLD", "0.95"],
    ["KEFU_OFF_TOPIC_SUGGEST_THRESHOLD", "2"],
  ])("rejects %s=%s at cold start", (name, value) => {
    expect(() => selectEngine({ ...fromEnv({ [name]: value }, "local"), client })).toThrow(
      ThresholdConfigError,
    );
  });

  it("reads the offer thresholds for messages that look in scope and for those that do not", () => {
    const s = selectEngine({
      ...fromEnv({ KEFU_SUGGEST_THRESHOLD: "0.4", KEFU_OFF_TOPIC_SUGGEST_THRESHOLD: "0.7" }, "local"),
      client,
    });
    expect(s.thresholds.suggestThreshold).toBe(0.4);
    expect(s.thresholds.offTopicSuggestThreshold).toBe(0.7);
    const defaults = selectEngine({ ...fromEnv({}, "local"), client });
    expect(defaults.thresholds.offTopicSuggestThreshold).toBe(0.6);
  });

  it("treats empty values as unset", () => {
    const s = selectEngine({ ...fromEnv({ KEFU_ANSWER_THRESHOLD: "" }, "local"), client });
    expect(s.thresholds.answerThreshold).toBe(0.83);
  });
});
