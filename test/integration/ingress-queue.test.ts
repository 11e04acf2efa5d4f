import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqsClient } from "../../local/emulators";
import { ingressStore } from "../../shared/aws/ingress";
import { acceptWebhook, type IngressDeps } from "../../shared/channels/ingress";
import type { InboundAdapter, WebhookRequest } from "../../shared/channels/ports";
import type { InboundMessage } from "../../shared/core/message";
import { inbound } from "../support/fakes";
import { testEnv } from "../support/local-env";

/**
 * The ack path's de-duplication, against the fauxqs emulator: the ingress's own SendMessage (the
 * message's key as its deduplication id) is what keeps repeated deliveries of a message to one queue
 * message, with no store of our own.
 */
const env = testEnv();
const request: WebhookRequest = {
  method: "POST",
  path: "/webhooks/wechat",
  query: {},
  rawQueryString: "",
  headers: {},
  body: "",
  receivedAt: new Date(),
};

let sqs: SQSClient;
let queueUrl = "";
beforeAll(async () => {
  sqs = sqsClient(env.KEFU_AWS_ENDPOINT ?? "");
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `ingress-dedup-${process.pid}-${Date.now()}.fifo`,
      Attributes: { FifoQueue: "true" },
    }),
  );
  queueUrl = QueueUrl ?? "";
});
afterAll(async () => {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
});

function deliveringEach(messages: InboundMessage[], wrap?: (deps: IngressDeps) => IngressDeps): IngressDeps {
  const adapter: InboundAdapter = {
    channel: "wechat",
    handle: () => ({ kind: "enqueue", messages, ack: { status: 200, body: "success" } }),
  };
  const deps = { adapterFor: async () => adapter, ...ingressStore({ queueUrl }, { sqs }) };
  return wrap ? wrap(deps) : deps;
}

/** Every message the queue holds now, in order, deleted as it is read. */
async function drain(): Promise<InboundMessage[]> {
  const received: InboundMessage[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return received;
    for (const m of Messages) {
      received.push(JSON.parse(m.Body ?? "null") as InboundMessage);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle ?? "" }));
    }
  }
}

describe("repeated deliveries against the FIFO queue (fauxqs)", () => {
  it("turns concurrent deliveries of one message into one queue message, every one acknowledged", async () => {
    const message = inbound({ id: `race-${Date.now()}`, conversationKey: "wechat:gh:o-race" });
    const deps = deliveringEach([message]);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => acceptWebhook("wechat", request, deps)),
    );
    for (const result of results) expect(result.response.status).toBe(200);
    expect((await drain()).map((m) => m.id)).toEqual([message.id]);
  });

  it("keeps one message when a SendMessage reached the queue but its answer was lost, and the platform retried", async () => {
    const message = inbound({ id: `lost-${Date.now()}`, conversationKey: "wechat:gh:o-lost" });
    let answersLost = 1;
    const deps = deliveringEach([message], (d) => ({
      ...d,
      async enqueue(m) {
        await d.enqueue(m);
        if (answersLost-- > 0) throw new Error("socket hang up");
      },
    }));
    await expect(acceptWebhook("wechat", request, deps)).rejects.toMatchObject({ status: 503 });
    expect((await acceptWebhook("wechat", request, deps)).response.status).toBe(200);
    expect((await drain()).map((m) => m.id)).toEqual([message.id]);
  });

  it("keeps every different message of a conversation, in the order sent", async () => {
    const at = Date.now();
    const messages = [1, 2, 3].map((n) =>
      inbound({ id: `seq-${at}-${n}`, conversationKey: "wechat:gh:o-seq" }),
    );
    await acceptWebhook("wechat", request, deliveringEach(messages));
    await acceptWebhook("wechat", request, deliveringEach([messages[1] as InboundMessage]));
    expect((await drain()).map((m) => m.id)).toEqual(messages.map((m) => m.id));
  });
});
