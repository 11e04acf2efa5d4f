/**
 * Webhook acknowledgement over loopback through the local stack: signed, encrypted WeChat pushes
 * (safe mode) POSTed to `/webhooks/wechat`, timed from request to the 200 (verify → decrypt → normalise
 * → DynamoDB claim → SQS SendMessage → mark → ack). The worker runs meanwhile, as it would. Then the
 * ack path's three network calls are timed on their own against the same emulators, so the cost of the
 * DynamoDB claim is visible next to the enqueue it guards. Run: `npx tsx bench/ack.ts [messages]`.
 */
import { cpus } from "node:os";
import { pathToFileURL } from "node:url";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { wechatPush } from "../local/platforms/wechat";
import { startLocalStack } from "../local/stack";
import { documentClient, sqsClient } from "../shared/aws/clients";
import { credentialsFor, demoCredentials } from "../shared/channels/registry";
import type { WeChatCredentials } from "../shared/channels/wechat/credentials";
import { wechatModule } from "../shared/channels/wechat/module";
import { loadWebhookConfig } from "../shared/config/load";
import { createDedupStore } from "../shared/stores/dedup";

const CONCURRENCY = 10;

export async function benchAck(messages = 400) {
  const stack = await startLocalStack({ port: 0, prefix: `ack-${process.pid}`, seed: true });
  const credentials = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;
  const ack: number[] = [];
  const calls = { claim: [] as number[], send: [] as number[], mark: [] as number[] };
  try {
    const post = async (openId: string) => {
      const push = wechatPush(credentials, { openId, text: "怎么申请退货？" });
      const started = performance.now();
      const response = await fetch(`${stack.url}${push.path}`, {
        method: "POST",
        headers: push.headers,
        body: push.body,
      });
      await response.text();
      if (response.status !== 200) throw new Error(`ack ${response.status}`);
      return performance.now() - started;
    };
    // Warm up: the first requests pay module loading and JIT, like a Lambda cold start.
    for (let i = 0; i < 20; i++) await post(`o-warm-${i}`);
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < messages) ack.push(await post(`o-ack-${next++}`));
      }),
    );

    // The same calls the ack path makes, one at a time, against the same emulators.
    const config = loadWebhookConfig(stack.env);
    const dedup = createDedupStore(documentClient(config.runtime), config.tables.dedup);
    const sqs = sqsClient(config.runtime);
    for (let i = 0; i < 200; i++) {
      const key = `wechat#bench-${process.pid}-${i}`;
      let t = performance.now();
      await dedup.claim(key);
      calls.claim.push(performance.now() - t);
      t = performance.now();
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: config.queueUrl,
          MessageBody: JSON.stringify({ bench: i }),
          MessageGroupId: `bench-${i}`,
          MessageDeduplicationId: key.replace("#", "-"),
        }),
      );
      calls.send.push(performance.now() - t);
      t = performance.now();
      await dedup.markEnqueued(key);
      calls.mark.push(performance.now() - t);
    }
  } finally {
    await stack.stop();
  }
  return {
    messages,
    concurrency: CONCURRENCY,
    ack: percentiles(ack),
    claim: percentiles(calls.claim),
    send: percentiles(calls.send),
    mark: percentiles(calls.mark),
  };
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { p50: round(at(50)), p99: round(at(99)), max: round(at(100)) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  process.env.POWERTOOLS_LOG_LEVEL = "ERROR";
  console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}`);
  console.log(JSON.stringify(await benchAck(Number(process.argv[2] ?? 400)), null, 2));
}
