/**
 * Worker throughput without a model: the worker's Lambda handler (makeHandler, with its Powertools
 * middleware) fed SQS batches of 5 records, as the event source mapping sends them, each record a queue
 * body as the webhook writes it (toQueueBody) and read back as the worker reads it (readQueueBody). The
 * answer engine is the embedded lexical one over the example FAQ (no Bedrock); the stores are the
 * in-memory ones (shared/stores/memory.ts, through test/support's pipelineDeps), the sender records.
 * Messages spread over many customers, one in ten a follow-up in the same conversation. Prints
 * messages per second of wall time and per CPU-second (one core). Run: `npx tsx bench/worker.ts [messages]`.
 */
import { cpus } from "node:os";
import { pathToFileURL } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { makeHandler } from "../functions/worker/handler";
import { loadJsonlKb } from "../local/eval/conversations";
import { lambdaContext } from "../local/event-source";
import { createLocalEngine } from "../shared/ai/local-engine";
import { toQueueBody } from "../shared/aws/queue";
import { readQueueBody } from "../shared/aws/queue-bodies";
import type { InboundMessage } from "../shared/core/message";
import { inbound, pipelineDeps, sqsRecord } from "../test/support/fakes";
import { SHOP_QUESTIONS } from "./questions";

const BATCH = 5;
// Two more in colloquial words: an order to cancel, and opening hours.
const QUESTIONS = [...SHOP_QUESTIONS, "下错单了能取消么", "你们几点上班"];

function record(message: InboundMessage, i: number): SQSRecord {
  return sqsRecord(message, { messageId: `sqs-${i}`, body: toQueueBody(message) });
}

function batches(messages: number): SQSEvent[] {
  const events: SQSEvent[] = [];
  for (let start = 0; start < messages; start += BATCH) {
    const records: SQSRecord[] = [];
    for (let i = start; i < Math.min(messages, start + BATCH); i++) {
      // One in ten a follow-up of the previous customer: a conversation with history.
      const customer = i % 10 === 9 ? i - 1 : i;
      const message = inbound({
        id: `bench-${i}`,
        conversationKey: `wechat:gh:o-${customer}`,
        sender: { id: `o-${customer}` },
        text: QUESTIONS[i % QUESTIONS.length] ?? "",
      });
      records.push(record(message, i));
    }
    events.push({ Records: records });
  }
  return events;
}

export async function benchWorker(messages = 5000) {
  const engine = createLocalEngine(loadJsonlKb("local/seed/faq.example.jsonl"));
  const { deps, sent } = pipelineDeps(engine, { now: () => new Date() });
  const handler = makeHandler({
    pipeline: deps,
    parse: (r) => readQueueBody(r.body, { get: async () => "" }),
    logger: new Logger({ serviceName: "kefu", logLevel: "SILENT" }),
    metrics: new Metrics({ namespace: "Kefu", serviceName: "kefu" }),
  });
  const run = async (events: SQSEvent[]) => {
    for (const event of events) {
      const result = await handler(event, lambdaContext("worker", 60_000));
      if (result.batchItemFailures.length > 0) throw new Error("a record failed");
    }
  };
  await run(
    batches(500).map((e) => ({
      Records: e.Records.map((r) => ({ ...r, body: r.body.replaceAll("bench-", "warm-") })),
    })),
  );
  const events = batches(messages);
  const sentBefore = sent.length;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run(events);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  return {
    messages,
    replies: sent.length - sentBefore,
    wallMs: Math.round(wallMs),
    cpuMs: Math.round(cpuMs),
    perSecond: Math.round((messages / wallMs) * 1000),
    perCpuSecond: Math.round((messages / cpuMs) * 1000),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}`);
  console.log(JSON.stringify(await benchWorker(Number(process.argv[2] ?? 5000)), null, 2));
}
