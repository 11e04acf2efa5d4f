import { describe, expect, it } from "vitest";
import { acceptWebhook } from "../../../shared/channels/ingress";
import type { InboundAdapter, WebhookOutcome, WebhookRequest } from "../../../shared/channels/ports";
import type { InboundMessage } from "../../../shared/core/message";
import { memoryFifoQueue } from "../../support/fakes";

function message(id: string): InboundMessage {
  return {
    id,
    channel: "wecom-kf",
    conversationKey: "wecom-kf:corp:kf:user",
    sender: { id: "user" },
    kind: "text",
    text: `m${id}`,
    attachments: [],
    receivedAt: "2026-03-01T08:00:00.000Z",
    replyContext: {},
  };
}

const request: WebhookRequest = {
  method: "POST",
  path: "/webhooks/wecom-kf",
  query: {},
  rawQueryString: "",
  headers: {},
  body: "",
  receivedAt: new Date("2026-03-01T08:00:00Z"),
};

function adapterReturning(outcome: () => WebhookOutcome): InboundAdapter {
  return { channel: "wecom-kf", handle: () => outcome() };
}

describe("acceptWebhook: afterEnqueue", () => {
  it("runs the hook once, after every message is on the queue", async () => {
    const events: string[] = [];
    const adapter = adapterReturning(() => ({
      kind: "enqueue",
      messages: [message("1"), message("2")],
      ack: { status: 200, body: "" },
      afterEnqueue: async () => {
        events.push("after");
      },
    }));
    const result = await acceptWebhook("wecom-kf", request, {
      adapterFor: async () => adapter,
      enqueue: async (m) => {
        events.push(`enqueue ${m.id}`);
      },
    });
    expect(events).toEqual(["enqueue 1", "enqueue 2", "after"]);
    expect(result.response.status).toBe(200);
  });

  it("does not run the hook when an enqueue fails, so the pull is repeated", async () => {
    let ran = false;
    const adapter = adapterReturning(() => ({
      kind: "enqueue",
      messages: [message("1"), message("2")],
      ack: { status: 200, body: "" },
      afterEnqueue: async () => {
        ran = true;
      },
    }));
    await expect(
      acceptWebhook("wecom-kf", request, {
        adapterFor: async () => adapter,
        enqueue: async (m) => {
          if (m.id === "2") throw new Error("queue down");
        },
      }),
    ).rejects.toMatchObject({ status: 503 });
    expect(ran).toBe(false);
  });

  it("runs the hook when every message was a duplicate the queue dropped", async () => {
    const queue = memoryFifoQueue();
    let runs = 0;
    const adapter = adapterReturning(() => ({
      kind: "enqueue",
      messages: [message("1")],
      ack: { status: 200, body: "" },
      afterEnqueue: async () => {
        runs++;
      },
    }));
    const deps = { adapterFor: async () => adapter, enqueue: queue.enqueue };
    await acceptWebhook("wecom-kf", request, deps);
    await acceptWebhook("wecom-kf", request, deps);
    expect(queue.messages.map((m) => m.id)).toEqual(["1"]);
    expect(runs).toBe(2);
  });

  it("fails the request when the hook fails, so the platform retries", async () => {
    const adapter = adapterReturning(() => ({
      kind: "enqueue",
      messages: [message("1")],
      ack: { status: 200, body: "" },
      afterEnqueue: async () => {
        throw new Error("state store down");
      },
    }));
    await expect(
      acceptWebhook("wecom-kf", request, {
        adapterFor: async () => adapter,
        enqueue: async () => {},
      }),
    ).rejects.toThrow("state store down");
  });
});
