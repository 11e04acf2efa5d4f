/**
 * End-to-end latency of the local pipeline: a WeChat safe-mode push → webhook ack, and → the reply in
 * the simulator's outbox (FIFO queue in fauxqs, worker, lexical engine, send).
 * Conversations are spread over many customers, as in real traffic. Run: `npx tsx bench/pipeline.ts`.
 */
import { cpus } from "node:os";
import { sendTo, wechatPush } from "../local/platforms/wechat";
import { startLocalStack } from "../local/stack";
import { credentialsFor, demoCredentials } from "../shared/channels/registry";
import type { WeChatCredentials } from "../shared/channels/wechat/credentials";
import { wechatModule } from "../shared/channels/wechat/module";
import { SHOP_QUESTIONS } from "./questions";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.POWERTOOLS_LOG_LEVEL = "ERROR";

export async function benchPipeline(messages = 200, concurrency = 10) {
  const stack = await startLocalStack({ port: 0, prefix: `bench-${process.pid}`, seed: true });
  const credentials = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;
  const ack: number[] = [];
  const reply: number[] = [];
  try {
    // Warm up: the first requests pay module loading and JIT, like a Lambda cold start.
    const one = async (openId: string, text: string) => {
      const push = wechatPush(credentials, { openId, text });
      const started = performance.now();
      await sendTo(stack.url, push);
      const acked = performance.now() - started;
      while (!stack.outbox.entries.some((e) => e.to === openId)) await new Promise((r) => setTimeout(r, 5));
      return { acked, replied: performance.now() - started };
    };
    for (let i = 0; i < 10; i++) await one(`o-warm-${i}`, SHOP_QUESTIONS[i % SHOP_QUESTIONS.length] ?? "");
    let next = 0;
    const worker = async () => {
      while (next < messages) {
        const i = next++;
        const { acked, replied } = await one(`o-bench-${i}`, SHOP_QUESTIONS[i % SHOP_QUESTIONS.length] ?? "");
        ack.push(acked);
        reply.push(replied);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await stack.stop();
  }
  const rss = process.memoryUsage().rss / 1024 / 1024;
  return { messages, concurrency, ack: percentiles(ack), reply: percentiles(reply), rssMb: Math.round(rss) };
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return { p50: Math.round(at(50)), p99: Math.round(at(99)), max: Math.round(at(100)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchPipeline();
  console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}`);
  console.log(JSON.stringify(result, null, 2));
}
