import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { sqsClient } from "../../local/emulators";
import { documentClient } from "../../shared/aws/clients";
import { fifoIds } from "../../shared/aws/queue";
import { acceptWebhook } from "../../shared/channels/ingress";
import type { InboundAdapter, WebhookRequest } from "../../shared/channels/ports";
import { loadWebhookConfig } from "../../shared/config/load";
import { createDedupStore } from "../../shared/stores/dedup";
import { inbound } from "../support/fakes";
import { testEnv } from "../support/local-env";

const env = testEnv();
const config = loadWebhookConfig(env);
const dedup = createDedupStore(documentClient(config.runtime), config.tables.dedup);
const request: WebhookRequest = {
  method: "POST",
  path: "/webhooks/wechat",
  query: {},
  rawQueryString: "",
  headers: {},
  body: "",
  receivedAt: new Date(),
};

describe("durable de-duplication against DynamoDB Local", () => {
  it("turns concurrent deliveries of one message into exactly one enqueue", async () => {
    const sqs = sqsClient(env.KEFU_AWS_ENDPOINT ?? "");
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: `race-${Date.now()}.fifo`, Attributes: { FifoQueue: "true" } }),
    );
    const message = inbound({ id: `race-${Date.now()}`, conversationKey: "wechat:gh:o-race" });
    const adapter: InboundAdapter = {
      channel: "wechat",
      handle: () => ({ kind: "enqueue", messages: [message], ack: { status: 200, body: "success" } }),
    };
    let enqueues = 0;
    const deps = {
      adapterFor: async () => adapter,
      dedup,
      async enqueue(m: typeof message) {
        enqueues++;
        // Slow enough that the deliveries overlap, as WeChat's retries do when an ack is late.
        await new Promise((r) => setTimeout(r, 200));
        const ids = fifoIds(m);
        await sqs.send(
          new SendMessageCommand({
            QueueUrl,
            MessageBody: JSON.stringify(m),
            MessageGroupId: ids.groupId,
            MessageDeduplicationId: ids.deduplicationId,
          }),
        );
      },
    };

    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => acceptWebhook("wechat", request, deps)),
    );
    expect(enqueues).toBe(1);
    // The winner acknowledges; the others are told to retry (503) and, retried, are duplicates.
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const retried = await acceptWebhook("wechat", request, deps);
    expect(retried.messages[0]?.result).toBe("duplicate");
    expect(enqueues).toBe(1);

    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe("1");
  });

  it("lets a retry take over a claim whose enqueue failed", async () => {
    const key = `wechat#takeover-${Date.now()}`;
    expect(await dedup.claim(key)).toBe("claimed");
    expect(await dedup.claim(key)).toBe("in_flight");
    await dedup.release(key);
    expect(await dedup.claim(key)).toBe("claimed");
    await dedup.markEnqueued(key);
    expect(await dedup.claim(key)).toBe("duplicate");
  });

  it("lets a retry take over a claim abandoned by a crashed instance once the lease passed", async () => {
    const key = `wechat#crashed-${Date.now()}`;
    const then = new Date(Date.now() - 60_000);
    expect(await dedup.claim(key, then)).toBe("claimed");
    expect(await dedup.claim(key)).toBe("claimed");
  });
});
