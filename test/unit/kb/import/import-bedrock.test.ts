import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  ThrottlingException,
} from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createBedrockEmbedder } from "../../../../shared/ai/bedrock-embedder";
import { importUpload } from "../../../../shared/kb/import/import";
import { memoryRepo } from "../../../../shared/stores/memory";
import { memoryBlobs } from "../../../support/fakes";

/**
 * The import with the real Bedrock embedder, Bedrock mocked at the SDK boundary: throttling is retried
 * with back-off, and a phrasing Bedrock keeps refusing rejects only its own row, which the report names.
 */
const bedrock = mockClient(BedrockRuntimeClient);
const vector = (seed: number) => Array.from({ length: 256 }, (_, i) => Math.sin(seed + i));
const ok = (seed: number) => ({
  body: new TextEncoder().encode(JSON.stringify({ embedding: vector(seed), inputTextTokenCount: 5 })),
});
/** The text one InvokeModel call asked to embed (the body is a JSON string or its bytes). */
const textOf = (body: unknown): string =>
  JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body as Uint8Array)).inputText;
const inputOf = (command: { input: { body?: unknown } }) => textOf(command.input.body);

const throttled = () => new ThrottlingException({ message: "Rate exceeded", $metadata: {} });

function embedder() {
  return createBedrockEmbedder({
    client: bedrock as unknown as BedrockRuntimeClient,
    dimensions: 256,
    concurrency: 2,
    retry: { maxAttempts: 3, baseDelayMs: 1, sleep: async () => {} },
  });
}

const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;

beforeEach(() => bedrock.reset());

describe("FAQ import with Bedrock embeddings (mocked at the SDK boundary)", () => {
  it("retries throttled calls and stores one Titan vector per phrasing", async () => {
    let calls = 0;
    bedrock.on(InvokeModelCommand).callsFake(async () => {
      calls++;
      if (calls <= 2) throw throttled();
      return ok(calls);
    });
    const blobs = memoryBlobs();
    const repo = memoryRepo();
    await blobs.put(
      "uploads/faq.jsonl",
      jsonl([
        { id: "refund", question: "怎么退款", answer: "在订单页申请。", similar_questions: ["退款流程"] },
      ]),
      "text/plain",
    );
    const { report } = await importUpload(
      { key: "uploads/faq.jsonl" },
      { blobs, repo, embedder: embedder() },
    );
    expect(report).toMatchObject({ status: "applied", counts: { inserted: 1, rejected: 0 } });
    const stored = repo.entries.get("refund");
    expect(stored?.vectors?.modelId).toBe("amazon.titan-embed-text-v2:0");
    expect(stored?.vectors?.values).toHaveLength(2);
    expect(stored?.vectors?.values[0]).toHaveLength(256);
    expect(bedrock.commandCalls(InvokeModelCommand).map((c) => inputOf(c.args[0]))).toEqual(
      expect.arrayContaining(["怎么退款", "退款流程"]),
    );
  });

  it("rejects only the row whose phrasing Bedrock keeps refusing, and the report says why", async () => {
    bedrock.on(InvokeModelCommand).callsFake(async (input: { body: unknown }) => {
      const text = textOf(input.body);
      if (text.includes("发票")) throw throttled();
      return ok(text.length);
    });
    const blobs = memoryBlobs();
    const repo = memoryRepo();
    await blobs.put(
      "uploads/faq.jsonl",
      jsonl([
        { id: "refund", question: "怎么退款", answer: "在订单页申请。" },
        { id: "invoice", question: "怎么开发票", answer: "订单详情里申请开票。" },
        { id: "ship", question: "多久发货", answer: "48 小时内。" },
      ]),
      "text/plain",
    );
    const { report } = await importUpload(
      { key: "uploads/faq.jsonl" },
      { blobs, repo, embedder: embedder(), options: { embedBatch: 1 } },
    );
    expect(report.counts).toMatchObject({ inserted: 2, rejected: 1 });
    expect(report.rejected).toEqual([
      expect.objectContaining({ row: 2, id: "invoice", code: "embedding_failed" }),
    ]);
    expect(repo.entries.has("invoice")).toBe(false);
    expect([...repo.entries.keys()].sort()).toEqual(["refund", "ship"]);
  });
});
