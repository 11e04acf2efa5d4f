/**
 * Webhook acknowledgement over loopback through the local stack: signed, encrypted WeChat pushes
 * (safe mode) POSTed to `/webhooks/wechat`, timed from request to the 200 (verify → decrypt → normalise
 * → mask → SQS SendMessage with the message's deduplication id → ack), 10 at a time (`--concurrency`).
 *
 * Run once per place of the worker, each on a fresh stack: in its own thread (`thread`, what AWS does:
 * the worker is a Lambda of its own), on the stack's event loop beside the webhook (`inline`, the stack's
 * default), and not at all (`off`: the ack path alone). The emulator fauxqs and this load generator share
 * the stack's thread in every place, so the figures are an upper bound on the webhook's own ack. For each, the stack
 * thread's event-loop delay (how long a ready callback waited for the thread) and utilisation during
 * the pushes say whether acks queued behind other work. Then the ack path's one network call, the
 * SendMessage, is timed one at a time against the same emulator.
 *
 * Run: `npx tsx bench/ack.ts [--messages 400] [--concurrency 10] [--worker thread --worker inline --worker off]`.
 */
import { cpus, loadavg } from "node:os";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { sendTo, wechatPush } from "../local/platforms/wechat";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../local/stack";
import { sqsClient } from "../shared/aws/clients";
import { credentialsFor, demoCredentials } from "../shared/channels/registry";
import type { WeChatCredentials } from "../shared/channels/wechat/credentials";
import { wechatModule } from "../shared/channels/wechat/module";
import { loadWebhookConfig } from "../shared/config/load";

const CONCURRENCY = 10;
type WorkerPlace = NonNullable<LocalStackOptions["worker"]>;

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export interface AckFigures {
  worker: WorkerPlace;
  messages: number;
  concurrency: number;
  ack: Percentiles;
  /** How late the stack thread's timers fired during the pushes: time acks spent waiting for it. */
  loopDelay: Percentiles;
  /** Share of the pushes' wall time the stack thread was busy (event-loop utilisation, %). */
  stackThreadBusy: number;
  /**
   * CPU milliseconds the whole process (every thread: client, server, webhook, emulator, worker) spent
   * per push: unlike latency, a figure a loaded host barely distorts.
   */
  cpuMsPerPush: number;
}

/** Acks of `messages` pushes, `concurrency` at a time, through a fresh stack with the worker where asked. */
export async function benchAck(
  messages = 400,
  worker: WorkerPlace = "thread",
  concurrency = CONCURRENCY,
): Promise<AckFigures> {
  const stack = await startLocalStack({
    port: 0,
    prefix: `ack-${process.pid}-${worker}`,
    seed: true,
    worker,
  });
  const credentials = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;
  const ack: number[] = [];
  try {
    const post = async (openId: string) => {
      const push = wechatPush(credentials, { openId, text: "怎么申请退货？" });
      const started = performance.now();
      const { status } = await sendTo(stack.url, push);
      if (status !== 200) throw new Error(`ack ${status}`);
      return performance.now() - started;
    };
    // Warm up: the first requests pay module loading and JIT, like a Lambda cold start.
    for (let i = 0; i < 20; i++) await post(`o-warm-${i}`);

    const delay = monitorEventLoopDelay({ resolution: 1 });
    const utilisation = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    delay.enable();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < messages) ack.push(await post(`o-ack-${next++}`));
      }),
    );
    delay.disable();
    const { user, system } = process.cpuUsage(cpu);
    const busy = performance.eventLoopUtilization(utilisation).utilization;
    const ms = (ns: number) => round(ns / 1e6);
    return {
      worker,
      messages,
      concurrency,
      ack: percentiles(ack),
      loopDelay: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
      stackThreadBusy: Math.round(busy * 100),
      cpuMsPerPush: round((user + system) / 1000 / messages),
    };
  } finally {
    await stack.stop();
  }
}

/** The ack path's one network call, the SendMessage, one at a time against a stack's emulator. */
export async function benchAckCalls(stack: Pick<LocalStack, "env">, calls = 200) {
  const config = loadWebhookConfig(stack.env);
  const sqs = sqsClient(config.runtime);
  const timed: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: config.queueUrl,
        MessageBody: JSON.stringify({ bench: i }),
        MessageGroupId: `bench-${i}`,
        MessageDeduplicationId: `wechat-bench-${process.pid}-${i}`,
      }),
    );
    timed.push(performance.now() - t);
  }
  return { send: percentiles(timed) };
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return { p50: round(at(50)), p99: round(at(99)), max: round(at(100)) };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const spread = (p: Percentiles) => `p50 ${p.p50} ms, p99 ${p.p99} ms, max ${p.max} ms`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "ERROR";
  const { values } = parseArgs({
    options: {
      messages: { type: "string" },
      concurrency: { type: "string" },
      worker: { type: "string", multiple: true },
    },
  });
  const messages = Number(values.messages ?? 400);
  const concurrency = Number(values.concurrency ?? CONCURRENCY);
  const places = (values.worker ?? ["thread", "inline", "off"]) as WorkerPlace[];
  console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}`);
  console.log(
    `webhook acks, ${messages} WeChat pushes ${concurrency} at a time, each on a fresh local stack`,
  );
  for (const place of places) {
    const load = loadAverage();
    const f = await benchAck(messages, place, concurrency);
    console.log(
      `  worker ${place.padEnd(6)}  ack ${spread(f.ack)}\n` +
        `                 stack thread: loop delay ${spread(f.loopDelay)}; busy ${f.stackThreadBusy}%;` +
        ` CPU ${f.cpuMsPerPush} ms per push` +
        `  (load ${load} → ${loadAverage()})`,
    );
  }
  const stack = await startLocalStack({
    port: 0,
    prefix: `ack-calls-${process.pid}`,
    seed: false,
    worker: "off",
  });
  try {
    const calls = await benchAckCalls(stack);
    console.log("the ack path's one call, one at a time (200 calls):");
    for (const [name, p] of Object.entries(calls)) console.log(`  ${name.padEnd(6)} ${spread(p)}`);
  } finally {
    await stack.stop();
  }
}
