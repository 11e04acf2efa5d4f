import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEventV2, SQSRecord } from "aws-lambda";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { IngestEventError, makeHandler as makeIngestHandler } from "../../../functions/ingest/handler";
import { makeHandler as makeWebhookHandler } from "../../../functions/webhook/handler";
import { makeHandler as makeWorkerHandler } from "../../../functions/worker/handler";
import { lambdaContext, s3Event } from "../../../local/event-source";
import { wechatPush } from "../../../local/platforms/wechat";
import type { WeChatCredentials } from "../../../shared/channels/wechat/credentials";
import { wechatModule } from "../../../shared/channels/wechat/module";
import { channelSettingsFromEnv } from "../../../shared/config/channels";
import type { AnswerEngine, EngineResult } from "../../../shared/core/engine";
import { type InboundMessage, InboundMessageSchema } from "../../../shared/core/message";
import { memoryRepo } from "../../../shared/stores/memory";
import {
  inbound,
  memoryBlobs,
  memoryFifoQueue,
  pipelineDeps,
  scriptedEngine,
  sqsRecord,
} from "../../support/fakes";
import { webhookEvent } from "../../support/lambda-harness";

/**
 * Each function's handler as makeHandler builds it, on fakes instead of AWS: what a function does with
 * an event, apart from how its Lambda entry wires it (wiring.ts, exercised by the webhook test and the
 * end-to-end tests).
 */

const wechat = wechatModule.demoCredentials as WeChatCredentials;
const quiet = () => ({
  logger: new Logger({ serviceName: "kefu", logLevel: "SILENT" }),
  metrics: new Metrics({ namespace: "Kefu", serviceName: "kefu" }),
});

beforeAll(() => {
  // Nothing collects EMF here.
  vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "true");
  return () => vi.unstubAllEnvs();
});

describe("the webhook handler", () => {
  function webhookWithFakes(observability = quiet()) {
    const queue = memoryFifoQueue();
    if (!wechatModule.inbound) throw new Error("WeChat arrives by the webhook");
    const channel = wechatModule.inbound(wechat, {
      timestampWindowSeconds: 300,
      maxBodyBytes: 64 * 1024,
      apiBase: "",
      tokenProvider: () => {
        throw new Error("the webhook fetches no token for WeChat");
      },
      state: { get: async () => undefined, put: async () => {}, putIfRevision: async () => true },
      blobs: { get: async () => new Uint8Array() },
      local: true,
      region: "us-east-1",
      settings: channelSettingsFromEnv({}),
    });
    const handler = makeWebhookHandler({
      ingress: {
        adapterFor: async (name) => (name === "wechat" ? channel : undefined),
        enqueue: queue.enqueue,
      },
      transportLimitBytes: 64 * 1024,
      ...observability,
    });
    return {
      enqueued: queue.messages,
      invoke: (event: APIGatewayProxyEventV2) => handler(event, lambdaContext("webhook")),
    };
  }

  it("refuses a forged signature with 401 and enqueues nothing", async () => {
    const { enqueued, invoke } = webhookWithFakes();
    const forged = webhookEvent(wechatPush(wechat, { openId: "o-1", text: "怎么退货？" }));
    forged.rawQueryString = forged.rawQueryString.replace(/msg_signature=[^&]+/, "msg_signature=00");
    forged.queryStringParameters = Object.fromEntries(new URLSearchParams(forged.rawQueryString));
    expect((await invoke(forged)).statusCode).toBe(401);
    expect(enqueued).toEqual([]);
  });

  it("acknowledges every delivery of a good message, and the queue keeps it once", async () => {
    const { enqueued, invoke } = webhookWithFakes();
    const push = wechatPush(wechat, { openId: "o-1", text: "怎么退货？" });
    for (let i = 0; i < 3; i++) expect((await invoke(webhookEvent(push))).statusCode).toBe(200);
    expect(enqueued.map((m) => [m.channel, m.text])).toEqual([["wechat", "怎么退货？"]]);
  });

  it("publishes each invocation's metrics and logs with its Lambda context, as the Powertools middlewares did", async () => {
    const observability = quiet();
    const published = vi.spyOn(observability.metrics, "publishStoredMetrics");
    const context = vi.spyOn(observability.logger, "addContext");
    const { invoke } = webhookWithFakes(observability);
    await invoke(webhookEvent(wechatPush(wechat, { openId: "o-1", text: "怎么退货？" })));
    await invoke(webhookEvent({ method: "POST", path: "/webhooks/nowhere", headers: {}, body: "" }));
    expect(published).toHaveBeenCalledTimes(2);
    expect(context).toHaveBeenCalledTimes(2);
    expect(context.mock.calls[0]?.[0]).toMatchObject({ functionName: "webhook" });
  });
});

describe("the worker handler", () => {
  const answer: EngineResult = {
    decision: { kind: "answer", text: "退货请在订单页申请", faqIds: ["returns"], confidence: 0.9 },
    candidates: [],
  };

  function record(message: InboundMessage): SQSRecord {
    return sqsRecord(message);
  }

  it("reports the one failing record of a batch, and answers the others", async () => {
    const failing = inbound({ text: "boom", conversationKey: "wechat:gh:o-2", sender: { id: "o-2" } });
    const fine = inbound({ text: "怎么退货？" });
    const engine = scriptedEngine((input) => {
      if (input.text === "boom") throw new Error("engine down");
      return answer;
    });
    const { deps, sent } = pipelineDeps(engine);
    const handler = makeWorkerHandler({
      pipeline: deps,
      parse: (r) => InboundMessageSchema.parse(JSON.parse(r.body)),
      ...quiet(),
    });
    const response = await handler(
      { Records: [record(failing), record(fine)] },
      lambdaContext("worker", 60_000),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: `sqs-${failing.id}` }]);
    expect(sent.map((m) => m.to)).toEqual(["o-1"]);
  });

  it("fails only the record whose body is not a message, and answers the others", async () => {
    const fine = inbound({ text: "怎么退货？" });
    const { deps, sent } = pipelineDeps(scriptedEngine(() => answer));
    const handler = makeWorkerHandler({
      pipeline: deps,
      parse: (r) => InboundMessageSchema.parse(JSON.parse(r.body)),
      ...quiet(),
    });
    // Other conversations: a failed record holds back the later ones of its own (FIFO group order).
    const elsewhere = (n: number) =>
      record(inbound({ conversationKey: `wechat:gh:o-${n}`, sender: { id: `o-${n}` } }));
    const malformed = { ...elsewhere(8), messageId: "sqs-malformed", body: '{"channel":"wechat"' };
    const notAMessage = { ...elsewhere(9), messageId: "sqs-not-a-message", body: '{"channel":"fax"}' };
    const response = await handler(
      { Records: [malformed, record(fine), notAMessage] },
      lambdaContext("worker", 60_000),
    );
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: "sqs-malformed" },
      { itemIdentifier: "sqs-not-a-message" },
    ]);
    expect(sent.map((m) => m.to)).toEqual(["o-1"]);
  });
});

describe("the metrics of concurrent invocations (the local stack runs one function's handler at once)", () => {
  it("publishes every invocation's metrics once and warns of none missing", async () => {
    const warned: unknown[] = [];
    const metrics = new Metrics({
      namespace: "Kefu",
      serviceName: "kefu",
      logger: { ...console, warn: (...args: unknown[]) => warned.push(args) },
    });
    const published = vi.spyOn(metrics, "publishStoredMetrics");
    // An engine that takes a moment, so that the two invocations overlap.
    const slow: AnswerEngine = {
      async decide() {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return {
          decision: { kind: "answer", text: "退货请在订单页申请", faqIds: ["returns"], confidence: 0.9 },
          candidates: [],
        };
      },
    };
    const handler = makeWorkerHandler({
      pipeline: pipelineDeps(slow).deps,
      parse: (r) => InboundMessageSchema.parse(JSON.parse(r.body)),
      logger: quiet().logger,
      metrics,
    });
    const event = (n: number) => ({
      Records: [
        {
          messageId: `sqs-${n}`,
          receiptHandle: "r",
          body: JSON.stringify(inbound({ conversationKey: `wechat:gh:o-${n}`, sender: { id: `o-${n}` } })),
          attributes: { ApproximateReceiveCount: "1", MessageGroupId: `wechat:gh:o-${n}` },
        } as unknown as SQSRecord,
      ],
    });
    // The first to end publishes what both added; the second finds nothing left, which is no warning.
    await Promise.all([1, 2].map((n) => handler(event(n), lambdaContext("worker", 60_000))));
    expect(warned).toEqual([]);
    expect(published).toHaveBeenCalled();
    expect(metrics.hasStoredMetrics()).toBe(false);
  });
});

describe("the ingest handler", () => {
  function ingestWithFakes() {
    const blobs = memoryBlobs();
    const repo = memoryRepo();
    const handler = makeIngestHandler({ blobs, repo, logger: quiet().logger });
    return {
      blobs,
      repo,
      invoke: (event: unknown) => handler(event as never, lambdaContext("ingest", 900_000)),
    };
  }

  it("imports the upload under the key S3 names, URL-decoded (spaces as +, UTF-8 escaped)", async () => {
    const { blobs, repo, invoke } = ingestWithFakes();
    const key = "uploads/售后 问题.jsonl";
    await blobs.put(
      key,
      `${JSON.stringify({ id: "returns", question: "怎么退货？", answer: "在订单页申请。" })}\n`,
      "",
    );
    const event = s3Event("kefu-faq", key);
    const object = event.Records[0]?.s3.object;
    if (object) object.key = encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
    expect(object?.key).toBe("uploads/%E5%94%AE%E5%90%8E+%E9%97%AE%E9%A2%98.jsonl");
    const result = await invoke(event);
    expect(result).toMatchObject({ results: [{ key, status: "applied" }] });
    expect([...repo.entries.keys()]).toEqual(["returns"]);
  });

  it.each([
    ["an empty event", {}, /no Records list/],
    [
      "a record without an object key",
      { Records: [{ s3: { bucket: { name: "kefu-faq" } } }] },
      /record 0 names no object key/,
    ],
    ["a restore request that is not an object", { restore: "latest" }, /restore must be an object/],
    ["no event at all", null, /no Records list/],
  ])("refuses %s with IngestEventError, importing and reporting nothing", async (_case, event, detail) => {
    const { blobs, repo, invoke } = ingestWithFakes();
    const refused = invoke(event);
    await expect(refused).rejects.toBeInstanceOf(IngestEventError);
    await expect(refused).rejects.toThrow(detail);
    await expect(refused).rejects.toMatchObject({ code: "ingest_event_invalid" });
    expect(blobs.objects.size).toBe(0);
    expect(repo.entries.size).toBe(0);
  });

  it("imports an upload its S3 event names, and reports it", async () => {
    const blobs = memoryBlobs();
    const repo = memoryRepo();
    const rows = [
      {
        id: "returns",
        question: "怎么退货？",
        answer: "在订单页申请退货。",
        similar_questions: ["如何退货"],
      },
      { id: "invoice", question: "怎么开发票？", answer: "在订单详情里申请发票。", similar_questions: [] },
    ];
    await blobs.put(
      "uploads/faq.jsonl",
      `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`,
      "application/x-ndjson",
    );
    const handler = makeIngestHandler({ blobs, repo, logger: quiet().logger });
    const result = await handler(s3Event("kefu-faq", "uploads/faq.jsonl"), lambdaContext("ingest", 900_000));
    expect(result).toMatchObject({ results: [{ key: "uploads/faq.jsonl", status: "applied" }] });
    expect([...repo.entries.keys()].sort()).toEqual(["invoice", "returns"]);
    expect(JSON.parse((await blobs.getText("reports/faq.jsonl.json")) ?? "{}")).toMatchObject({
      status: "applied",
      counts: { inserted: 2 },
    });
  });
});
