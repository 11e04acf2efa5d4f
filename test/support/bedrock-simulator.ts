import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hashEmbed } from "../../shared/ai/local-embedder";
import { answerToolResponse } from "./bedrock";

/**
 * Bedrock Runtime on loopback, for running the worker with `KEFU_ENGINE=bedrock` where Bedrock cannot be
 * reached: the SDK is pointed here with its standard `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` setting, so the
 * engine's real clients, retries and timeouts run unchanged.
 *
 * - `POST /model/{id}/invoke` answers as Titan Text Embeddings V2 does (`{embedding, inputTextTokenCount}`)
 *   with the embedded engine's character n-gram hash vector, so similar texts are close.
 * - `POST /model/{id}/converse` with the answer tool answers from the first FAQ entry it is given and
 *   repeats the customer's reference (`marker`) at the start of the answer, so a reply can be traced to
 *   the message it answers; without a tool (the follow-up rewriter) it returns the last message as the
 *   standalone question.
 */
export interface BedrockSimulator {
  url: string;
  /** Calls served, by operation (`invoke`, `converse`, `rewrite`). */
  readonly calls: Record<string, number>;
  close(): Promise<void>;
}

export interface BedrockSimulatorOptions {
  /** Finds the customer's reference in a question, to repeat it in the answer. */
  marker?: RegExp;
}

export async function startBedrockSimulator(
  options: BedrockSimulatorOptions = {},
): Promise<BedrockSimulator> {
  const calls: Record<string, number> = {};
  const count = (operation: string) => {
    calls[operation] = (calls[operation] ?? 0) + 1;
  };
  const server = createServer(async (req, res) => {
    try {
      const body = JSON.parse((await readAll(req)).toString("utf8") || "{}");
      const route = /^\/model\/([^/]+)\/(invoke|converse)$/.exec(
        new URL(req.url ?? "/", "http://x").pathname,
      );
      if (req.method !== "POST" || !route)
        return error(res, 404, "UnknownOperationException", "no such route");
      if (route[2] === "invoke") {
        count("invoke");
        const text = String(body.inputText ?? "");
        if (!text.trim()) return error(res, 400, "ValidationException", "inputText is empty");
        const vector = hashEmbed(text, Number(body.dimensions ?? 1024));
        return json(res, { embedding: Array.from(vector), inputTextTokenCount: Array.from(text).length });
      }
      const content: { text?: string; guardContent?: { text?: { text?: string } } }[] =
        body.messages?.at(-1)?.content ?? [];
      if (!body.toolConfig) {
        count("rewrite");
        const prompt = content.map((c) => c.text ?? "").join("\n");
        const last = /Last message: ([\s\S]*)$/.exec(prompt)?.[1]?.trim() ?? prompt;
        return json(res, converseText(JSON.stringify({ standalone: last.slice(0, 500) })));
      }
      count("converse");
      const faq = content[0]?.text ?? "";
      const question = content.at(-1)?.text ?? content.at(-1)?.guardContent?.text?.text ?? "";
      const first = /<faq id="([^"]+)">\nQ: [^\n]*\nA: ([\s\S]*?)\n<\/faq>/.exec(faq);
      if (!first) {
        return json(res, answerToolResponse({ answer: "", faq_ids: [], confidence: 0, needs_human: true }));
      }
      const reference = options.marker?.exec(question)?.[0];
      const answer = reference ? `${reference} ${first[2]}` : (first[2] ?? "");
      return json(
        res,
        answerToolResponse({ answer, faq_ids: [first[1]], confidence: 0.9, needs_human: false }),
      );
    } catch (cause) {
      return error(res, 500, "InternalServerException", (cause as Error).message);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function converseText(text: string) {
  return {
    output: { message: { role: "assistant", content: [{ text }] } },
    stopReason: "end_turn",
    usage: { inputTokens: 120, outputTokens: 20, totalTokens: 140 },
    metrics: { latencyMs: 200 },
  };
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Bedrock's REST-JSON error: the type in `x-amzn-ErrorType`, a message in the body. */
export function bedrockError(status: number, type: string, message: string) {
  return {
    status,
    headers: {
      "content-type": "application/json",
      "x-amzn-errortype": `${type}:http://internal.amazon.com/`,
    },
    body: JSON.stringify({ message }),
  };
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  const shaped = bedrockError(status, type, message);
  res.writeHead(shaped.status, shaped.headers);
  res.end(shaped.body);
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
