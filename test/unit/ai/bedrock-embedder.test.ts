import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  ThrottlingException,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createBedrockEmbedder } from "../../../shared/ai/bedrock-embedder";
import {
  EmbeddingInputError,
  MalformedModelOutputError,
  ModelTimeoutError,
  RetryExhaustedError,
} from "../../../shared/ai/errors";

const bedrock = mockClient(BedrockRuntimeClient);
const client = new BedrockRuntimeClient({ region: "us-east-1" });
const noSleep = async () => {};

/** A Titan V2 response body as InvokeModel returns it (JSON bytes). */
function titanBody(embedding: number[]) {
  const json = JSON.stringify({ embedding, inputTextTokenCount: 3, embeddingsByType: { float: embedding } });
  return new TextEncoder().encode(json) as never;
}

/** A deterministic, deliberately unnormalised vector that encodes the text's length in dimension 0. */
function fakeVector(text: string, dimensions: number): number[] {
  const v = new Array(dimensions).fill(0);
  v[0] = 3 * text.length;
  v[1] = 4 * text.length;
  return v;
}

/** The JSON body we sent; the SDK accepts a string or bytes. */
function bodyJson(body: unknown): Record<string, unknown> {
  return JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body as Uint8Array));
}

function requestOf(call: { args: unknown[] }) {
  return bodyJson((call.args[0] as InvokeModelCommand).input.body);
}

const throttled = () => new ThrottlingException({ message: "Too many requests", $metadata: {} });

beforeEach(() => bedrock.reset());

describe("embedding a batch", () => {
  it("sends one Titan V2 request per text and returns unit vectors in input order", async () => {
    // Later texts answer first, so an order bug would show.
    bedrock.on(InvokeModelCommand).callsFake(async (input) => {
      const inputText = bodyJson(input.body).inputText as string;
      await new Promise((r) => setTimeout(r, 20 - inputText.length));
      return { body: titanBody(fakeVector(inputText, 256)) };
    });
    const embedder = createBedrockEmbedder({ client, dimensions: 256, concurrency: 4 });
    const texts = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff"];

    const vectors = await embedder.embed(texts);

    expect(embedder.modelId).toBe("amazon.titan-embed-text-v2:0");
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(6);
    const sent = bedrock.commandCalls(InvokeModelCommand).map(requestOf);
    expect(sent.map((b) => b.inputText).sort()).toEqual(texts);
    for (const body of sent) expect(body).toMatchObject({ dimensions: 256, normalize: true });
    expect(bedrock.commandCalls(InvokeModelCommand)[0]?.args[0].input).toMatchObject({
      modelId: "amazon.titan-embed-text-v2:0",
      contentType: "application/json",
    });
    expect(vectors).toHaveLength(6);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v[0]).toBeCloseTo(0.6, 6);
      expect(v[1]).toBeCloseTo(0.8, 6);
    }
  });

  it("keeps results aligned with inputs even when responses arrive out of order", async () => {
    bedrock.on(InvokeModelCommand).callsFake(async (input) => {
      const inputText = bodyJson(input.body).inputText as string;
      const index = Number(inputText.slice(1));
      await new Promise((r) => setTimeout(r, (5 - index) * 5));
      const v = new Array(256).fill(0);
      v[index] = 1;
      return { body: titanBody(v) };
    });
    const embedder = createBedrockEmbedder({ client, dimensions: 256, concurrency: 5 });

    const vectors = await embedder.embed(["t0", "t1", "t2", "t3", "t4"]);

    for (const [i, v] of vectors.entries()) expect(v[i]).toBe(1);
  });

  it("never has more calls in flight than the concurrency bound", async () => {
    let inFlight = 0;
    let peak = 0;
    bedrock.on(InvokeModelCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return { body: titanBody(fakeVector("x", 512)) };
    });
    const embedder = createBedrockEmbedder({ client, dimensions: 512, concurrency: 3 });

    await embedder.embed(Array.from({ length: 12 }, (_, i) => `question ${i}`));

    expect(peak).toBe(3);
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(12);
  });
});

describe("throttling", () => {
  it("retries a throttled call with growing backoff and succeeds", async () => {
    bedrock
      .on(InvokeModelCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ body: titanBody(fakeVector("x", 256)) });
    const delays: number[] = [];
    const embedder = createBedrockEmbedder({
      client,
      dimensions: 256,
      retry: {
        maxAttempts: 4,
        baseDelayMs: 100,
        random: () => 0.999,
        sleep: async (ms) => void delays.push(ms),
      },
    });

    const [vector] = await embedder.embed(["运费多少"]);

    expect(vector?.[0]).toBeCloseTo(0.6, 6);
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(3);
    expect(delays).toEqual([99, 199]);
  });

  it("gives up after the allowed attempts with the throttling error as cause", async () => {
    bedrock.on(InvokeModelCommand).rejects(throttled());
    const embedder = createBedrockEmbedder({
      client,
      dimensions: 256,
      retry: { maxAttempts: 3, sleep: noSleep },
    });

    const error = await embedder.embed(["hello"]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as RetryExhaustedError).attempts).toBe(3);
    expect((error as Error).cause).toBeInstanceOf(ThrottlingException);
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(3);
  });

  it("does not retry a validation error", async () => {
    bedrock.on(InvokeModelCommand).rejects(new ValidationException({ message: "bad input", $metadata: {} }));
    const embedder = createBedrockEmbedder({
      client,
      dimensions: 256,
      retry: { maxAttempts: 5, sleep: noSleep },
    });

    await expect(embedder.embed(["hello"])).rejects.toBeInstanceOf(ValidationException);
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(1);
  });
});

describe("bad input and output", () => {
  it("refuses an empty text without calling Bedrock", async () => {
    const embedder = createBedrockEmbedder({ client, dimensions: 256 });

    await expect(embedder.embed(["  "])).rejects.toBeInstanceOf(EmbeddingInputError);
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(0);
  });

  it("rejects a vector of the wrong size", async () => {
    bedrock.on(InvokeModelCommand).resolves({ body: titanBody(fakeVector("x", 1024)) });
    const embedder = createBedrockEmbedder({ client, dimensions: 256 });

    await expect(embedder.embed(["hello"])).rejects.toBeInstanceOf(MalformedModelOutputError);
  });

  it("rejects a body that is not JSON or has no embedding", async () => {
    bedrock
      .on(InvokeModelCommand)
      .resolvesOnce({ body: new TextEncoder().encode("<html>") as never })
      .resolvesOnce({ body: new TextEncoder().encode('{"message":"x"}') as never });
    const embedder = createBedrockEmbedder({ client, dimensions: 256 });

    await expect(embedder.embed(["a"])).rejects.toBeInstanceOf(MalformedModelOutputError);
    await expect(embedder.embed(["b"])).rejects.toBeInstanceOf(MalformedModelOutputError);
  });
});

describe("time limits", () => {
  it("abandons an attempt that hangs past its request timeout and retries it", async () => {
    let calls = 0;
    bedrock.on(InvokeModelCommand).callsFake(async () => {
      calls++;
      if (calls === 1) return new Promise(() => {});
      return { body: titanBody(fakeVector("x", 256)) };
    });
    const embedder = createBedrockEmbedder({
      client,
      dimensions: 256,
      requestTimeoutMs: 30,
      retry: { sleep: noSleep },
    });
    const [vector] = await embedder.embed(["x"]);
    expect(vector).toHaveLength(256);
    expect(calls).toBe(2);
    const first = bedrock.commandCalls(InvokeModelCommand)[0] as unknown as { args: unknown[] };
    expect((first.args[1] as { abortSignal?: AbortSignal }).abortSignal?.aborted).toBe(true);
  });

  it("stops at once, without retrying, when the caller's signal aborts (the message's time is spent)", async () => {
    bedrock.on(InvokeModelCommand).callsFake(() => new Promise(() => {}));
    const embedder = createBedrockEmbedder({ client, dimensions: 256, retry: { sleep: noSleep } });
    const controller = new AbortController();
    const pending = embedder.embed(["x"], { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error("deadline"));
    expect(await pending).toBeInstanceOf(ModelTimeoutError);
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(1);
  });
});
