import { describe, expect, it } from "vitest";
import { FIFO_DEDUPLICATION_WINDOW_MS, fifoIds } from "../../../shared/aws/queue";
import { acceptWebhook, EnqueueError, errorResponse, forQueue } from "../../../shared/channels/ingress";
import type { InboundAdapter, WebhookRequest } from "../../../shared/channels/ports";
import {
  MalformedRequestError,
  NotFoundError,
  PayloadTooLargeError,
  SignatureError,
} from "../../../shared/core/errors";
import { type InboundMessage, MESSAGE_LIMITS, QueuedMessageSchema } from "../../../shared/core/message";
import { inbound, memoryFifoQueue } from "../../support/fakes";

const request: WebhookRequest = {
  method: "POST",
  path: "/webhooks/wechat",
  query: {},
  rawQueryString: "",
  headers: {},
  body: "",
  receivedAt: new Date("2026-11-21T10:00:00Z"),
};
const ack = { status: 200, body: "success" };

function adapterReturning(messages: InboundMessage[]): InboundAdapter {
  return { channel: "wechat", handle: () => ({ kind: "enqueue", messages, ack }) };
}

describe("acceptWebhook", () => {
  it("enqueues and only then acknowledges, with no other call", async () => {
    const message = inbound({ id: "42" });
    const calls: string[] = [];
    const result = await acceptWebhook("wechat", request, {
      adapterFor: async () => adapterReturning([message]),
      enqueue: async (m) => {
        calls.push(`send ${m.id}`);
      },
    });
    expect(result.response).toEqual(ack);
    expect(calls).toEqual(["send 42"]);
    expect(result.messages).toEqual([{ key: "wechat#42", channel: "wechat", result: "enqueued" }]);
  });

  it("acknowledges concurrent deliveries of one message, and the queue keeps it once", async () => {
    const queue = memoryFifoQueue();
    const deps = { adapterFor: async () => adapterReturning([inbound({ id: "7" })]), enqueue: queue.enqueue };
    const results = await Promise.all(
      Array.from({ length: 4 }, () => acceptWebhook("wechat", request, deps)),
    );
    for (const result of results) expect(result.response).toEqual(ack);
    expect(queue.messages.map((m) => m.id)).toEqual(["7"]);
  });

  it("answers 503 when the queue refuses, so the platform retries, and the retry is stored once", async () => {
    // The SendMessage may have reached SQS before its answer was lost: the retry sends the same
    // deduplication id, and SQS keeps one message.
    const queue = memoryFifoQueue();
    let answersLost = 1;
    const deps = {
      adapterFor: async () => adapterReturning([inbound({ id: "8" })]),
      async enqueue(m: InboundMessage) {
        await queue.enqueue(m);
        if (answersLost-- > 0) throw new Error("socket hang up");
      },
    };
    const failure = acceptWebhook("wechat", request, deps);
    await expect(failure).rejects.toBeInstanceOf(EnqueueError);
    expect(errorResponse(await failure.catch((e) => e)).status).toBe(503);
    expect((await acceptWebhook("wechat", request, deps)).response).toEqual(ack);
    expect(queue.messages.map((m) => m.id)).toEqual(["8"]);
  });

  it("answers handshakes directly and rejects unknown channels with 404", async () => {
    const handshake: InboundAdapter = {
      channel: "wechat",
      handle: () => ({ kind: "respond", response: { status: 200, body: "echo" } }),
    };
    const deps = {
      adapterFor: async (c: string) => (c === "wechat" ? handshake : undefined),
      enqueue: async () => {},
    };
    expect((await acceptWebhook("wechat", request, deps)).response.body).toBe("echo");
    await expect(acceptWebhook("nope", request, deps)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rejects a message that does not match the schema before enqueueing anything", async () => {
    const queue = memoryFifoQueue();
    const broken = { ...inbound(), conversationKey: "" } as InboundMessage;
    await expect(
      acceptWebhook("wechat", request, {
        adapterFor: async () => adapterReturning([inbound({ id: "ok" }), broken]),
        enqueue: queue.enqueue,
      }),
    ).rejects.toBeInstanceOf(MalformedRequestError);
    expect(queue.messages).toEqual([]);
  });

  it("refuses an identifier beyond its limit as malformed (400), not as a fault the platform retries", async () => {
    const queue = memoryFifoQueue();
    const tooLong = { ...inbound(), conversationKey: `wechat:${"k".repeat(600)}` } as InboundMessage;
    const failure = acceptWebhook("wechat", request, {
      adapterFor: async () => adapterReturning([tooLong]),
      enqueue: queue.enqueue,
    });
    await expect(failure).rejects.toBeInstanceOf(MalformedRequestError);
    expect(errorResponse(await failure.catch((e) => e)).status).toBe(400);
    expect(queue.messages).toEqual([]);
  });

  it("enqueues the text, display name and attachment names masked, and the routing fields as they are", async () => {
    const enqueued: InboundMessage[] = [];
    const raw = inbound({
      id: "pii",
      sender: { id: "o-13812345678", name: "王先生 13812345678" },
      text: "身份证 11010519491231002X，手机 +86 138-1234-5678，卡号 4111 1111 1111 1111，邮箱 li.hua@example.com",
      attachments: [{ type: "file", name: "13812345678-发票.pdf" }],
      replyContext: { sessionWebhook: "https://oapi.dingtalk.com/robot/sendBySession?session=13812345678" },
    });
    await acceptWebhook("wechat", request, {
      adapterFor: async () => adapterReturning([raw]),
      enqueue: async (m) => {
        enqueued.push(m);
      },
    });
    const [message] = enqueued;
    expect(message?.text).toBe(
      "身份证 110***********002X，手机 138****5678，卡号 ****1111，邮箱 l***@example.com",
    );
    expect(message?.sender).toEqual({ id: "o-13812345678", name: "王先生 138****5678" });
    expect(message?.attachments[0]?.name).toBe("138****5678-发票.pdf");
    expect(message?.replyContext).toEqual(raw.replyContext);
  });
});

describe("memoryFifoQueue: the queue's deduplication the unit tests rely on", () => {
  it("drops a message sent again within SQS's window, and keeps one sent after it", async () => {
    let now = new Date("2026-11-21T10:00:00Z");
    const queue = memoryFifoQueue(() => now);
    const message = inbound({ id: "late" });
    await queue.enqueue(message);
    now = new Date(now.getTime() + FIFO_DEDUPLICATION_WINDOW_MS - 1);
    await queue.enqueue(message);
    expect(queue.messages).toHaveLength(1);
    now = new Date(now.getTime() + 1);
    await queue.enqueue(message);
    // Past the window SQS takes it again: the worker's processed ids answer it `duplicate`.
    expect(queue.messages).toHaveLength(2);
  });
});

describe("forQueue: what may leave the webhook", () => {
  it("cuts the text to its limit, says so with an ellipsis and never splits an emoji", () => {
    const text = `${"好".repeat(MESSAGE_LIMITS.textChars - 2)}😀😀😀`;
    const cut = forQueue(inbound({ text })).text;
    expect(cut.length).toBeLessThanOrEqual(MESSAGE_LIMITS.textChars);
    expect(cut.endsWith("…")).toBe(true);
    // No lone surrogate: half an emoji would be an invalid character on every channel.
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it("masks a phone number that straddles the cut instead of leaving half of it", () => {
    const text = `${"a ".repeat((MESSAGE_LIMITS.textChars - 6) / 2)}13812345678 end`;
    const cut = forQueue(inbound({ text })).text;
    expect(cut).not.toMatch(/\d{4,}/);
    expect(cut).toContain("138*");
  });

  it("keeps at most the attachment limit, with names and types cut to theirs", () => {
    const attachments = Array.from({ length: 300 }, (_, i) => ({
      type: "file" as const,
      name: `${i}-${"n".repeat(1000)}`,
      contentType: `application/${"x".repeat(1000)}`,
    }));
    const queued = forQueue(inbound({ attachments }));
    expect(queued.attachments).toHaveLength(MESSAGE_LIMITS.attachments);
    for (const a of queued.attachments) {
      expect(a.name?.length).toBeLessThanOrEqual(MESSAGE_LIMITS.attachmentNameChars);
      expect(a.contentType?.length).toBeLessThanOrEqual(MESSAGE_LIMITS.contentTypeChars);
    }
  });

  it("produces what the worker accepts from the queue, and nothing larger", () => {
    const big = inbound({ text: "x".repeat(100_000), sender: { id: "o-1", name: "n".repeat(10_000) } });
    expect(() => QueuedMessageSchema.parse(big)).toThrow();
    const queued = forQueue(big);
    expect(QueuedMessageSchema.parse(queued)).toEqual(queued);
    expect(Buffer.byteLength(JSON.stringify(queued))).toBeLessThan(8 * 1024);
  });
});

describe("errorResponse", () => {
  it("maps named errors to their status and never echoes details of unknown errors", () => {
    expect(errorResponse(new SignatureError()).status).toBe(401);
    // A body over the cap: 413, as API Gateway answers one over its own 10 MB.
    const tooLarge = errorResponse(new PayloadTooLargeError(65536));
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body)).toEqual({
      error: "payload_too_large",
      message: "body exceeds 65536 bytes",
    });
    const unknown = errorResponse(new Error("secret stack detail 13812345678"));
    expect(unknown.status).toBe(500);
    expect(unknown.body).not.toContain("13812345678");
  });
});

describe("fifoIds", () => {
  it("keeps short conversation keys as the group and hashes the dedup id to a valid length", () => {
    const ids = fifoIds(inbound({ id: "1".repeat(256), conversationKey: "wechat:gh:o-1" }));
    expect(ids.groupId).toBe("wechat:gh:o-1");
    expect(ids.deduplicationId).toMatch(/^[0-9a-f]{64}$/);
  });

  it("hashes group ids that are too long or contain characters SQS refuses", () => {
    expect(fifoIds(inbound({ conversationKey: `email:${"a".repeat(200)}` })).groupId).toMatch(
      /^[0-9a-f]{64}$/,
    );
    expect(fifoIds(inbound({ conversationKey: "email:客服@例子.cn" })).groupId).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("a burst of messages (a WeCom 微信客服 pull)", () => {
  it("keeps each conversation's order while storing conversations concurrently", async () => {
    const burst = [
      inbound({ id: "a1", conversationKey: "kf:a" }),
      inbound({ id: "b1", conversationKey: "kf:b" }),
      inbound({ id: "a2", conversationKey: "kf:a" }),
      inbound({ id: "b2", conversationKey: "kf:b" }),
      inbound({ id: "a3", conversationKey: "kf:a" }),
    ];
    const order: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const result = await acceptWebhook("wecom-kf", request, {
      adapterFor: async () => adapterReturning(burst),
      async enqueue(m) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        order.push(m.id);
        inFlight--;
      },
    });
    expect(order.filter((id) => id.startsWith("a"))).toEqual(["a1", "a2", "a3"]);
    expect(order.filter((id) => id.startsWith("b"))).toEqual(["b1", "b2"]);
    expect(maxInFlight).toBe(2);
    expect(result.messages.map((m) => m.key)).toEqual([
      "wechat#a1",
      "wechat#a2",
      "wechat#a3",
      "wechat#b1",
      "wechat#b2",
    ]);
  });
});
