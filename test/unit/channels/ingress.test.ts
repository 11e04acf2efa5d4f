import { describe, expect, it } from "vitest";
import { fifoIds } from "../../../shared/aws/queue";
import type { ClaimResult, DedupStore } from "../../../shared/channels/ingress";
import { acceptWebhook, EnqueueError, errorResponse, forQueue } from "../../../shared/channels/ingress";
import type { InboundAdapter, WebhookRequest } from "../../../shared/channels/ports";
import {
  InFlightError,
  MalformedRequestError,
  NotFoundError,
  SignatureError,
} from "../../../shared/core/errors";
import { type InboundMessage, MESSAGE_LIMITS, QueuedMessageSchema } from "../../../shared/core/message";
import { inbound } from "../../support/fakes";

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

function dedupWith(results: ClaimResult[]) {
  const calls: string[] = [];
  const store: DedupStore = {
    async claim(key) {
      calls.push(`claim ${key}`);
      return results.shift() ?? "claimed";
    },
    async markEnqueued(key) {
      calls.push(`enqueued ${key}`);
    },
    async release(key) {
      calls.push(`release ${key}`);
    },
  };
  return { store, calls };
}

describe("acceptWebhook", () => {
  it("claims, enqueues, marks and only then acknowledges", async () => {
    const message = inbound({ id: "42" });
    const { store, calls } = dedupWith(["claimed"]);
    const enqueued: InboundMessage[] = [];
    const result = await acceptWebhook("wechat", request, {
      adapterFor: async () => adapterReturning([message]),
      dedup: store,
      enqueue: async (m) => {
        calls.push("send");
        enqueued.push(m);
      },
    });
    expect(result.response).toEqual(ack);
    expect(calls).toEqual(["claim wechat#42", "send", "enqueued wechat#42"]);
    expect(enqueued).toEqual([message]);
  });

  it("acknowledges a duplicate without enqueueing it again", async () => {
    const { store } = dedupWith(["duplicate"]);
    let sends = 0;
    const result = await acceptWebhook("wechat", request, {
      adapterFor: async () => adapterReturning([inbound()]),
      dedup: store,
      enqueue: async () => {
        sends++;
      },
    });
    expect(sends).toBe(0);
    expect(result.messages[0]?.result).toBe("duplicate");
    expect(result.response).toEqual(ack);
  });

  it("asks the platform to retry while another delivery of the same message is being stored", async () => {
    const { store } = dedupWith(["in_flight"]);
    await expect(
      acceptWebhook("wechat", request, {
        adapterFor: async () => adapterReturning([inbound()]),
        dedup: store,
        enqueue: async () => {},
      }),
    ).rejects.toBeInstanceOf(InFlightError);
  });

  it("releases the claim and answers 503 when the queue refuses, so the retry can store it", async () => {
    const { store, calls } = dedupWith(["claimed"]);
    const failure = acceptWebhook("wechat", request, {
      adapterFor: async () => adapterReturning([inbound({ id: "7" })]),
      dedup: store,
      enqueue: async () => {
        throw new Error("SQS unavailable");
      },
    });
    await expect(failure).rejects.toBeInstanceOf(EnqueueError);
    expect(calls).toEqual(["claim wechat#7", "release wechat#7"]);
    expect(errorResponse(await failure.catch((e) => e)).status).toBe(503);
  });

  it("acknowledges a message that is on the queue even when its claim cannot be marked enqueued", async () => {
    // The fault suite found this: DynamoDB throttling the mark after SQS took the message made the webhook
    // answer 500, and every retry within the claim's lease 503, until the platform gave up on a message
    // that was stored and answered (WeChat then tells the customer the account cannot serve them).
    const { store, calls } = dedupWith(["claimed"]);
    store.markEnqueued = async (key) => {
      calls.push(`enqueued ${key}`);
      throw Object.assign(new Error("Rate of requests exceeds the allowed throughput."), {
        name: "ThrottlingException",
      });
    };
    const result = await acceptWebhook("wechat", request, {
      adapterFor: async () => adapterReturning([inbound({ id: "9" })]),
      dedup: store,
      enqueue: async () => {
        calls.push("send");
      },
    });
    expect(result.response).toEqual(ack);
    expect(result.messages).toEqual([
      { key: "wechat#9", channel: "wechat", result: "enqueued", unmarked: "ThrottlingException" },
    ]);
    // Not released: the message is stored, so a later delivery must not be taken for a new one at once.
    expect(calls).toEqual(["claim wechat#9", "send", "enqueued wechat#9"]);
  });

  it("answers handshakes directly and rejects unknown channels with 404", async () => {
    const { store } = dedupWith([]);
    const handshake: InboundAdapter = {
      channel: "wechat",
      handle: () => ({ kind: "respond", response: { status: 200, body: "echo" } }),
    };
    const deps = {
      adapterFor: async (c: string) => (c === "wechat" ? handshake : undefined),
      dedup: store,
      enqueue: async () => {},
    };
    expect((await acceptWebhook("wechat", request, deps)).response.body).toBe("echo");
    await expect(acceptWebhook("nope", request, deps)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rejects a message that does not match the schema before claiming anything", async () => {
    const { store, calls } = dedupWith([]);
    const broken = { ...inbound(), conversationKey: "" } as InboundMessage;
    await expect(
      acceptWebhook("wechat", request, {
        adapterFor: async () => adapterReturning([broken]),
        dedup: store,
        enqueue: async () => {},
      }),
    ).rejects.toBeInstanceOf(MalformedRequestError);
    expect(calls).toEqual([]);
  });

  it("refuses an identifier beyond its limit as malformed (400), not as a fault the platform retries", async () => {
    const { store, calls } = dedupWith([]);
    const tooLong = { ...inbound(), conversationKey: `wechat:${"k".repeat(600)}` } as InboundMessage;
    const failure = acceptWebhook("wechat", request, {
      adapterFor: async () => adapterReturning([tooLong]),
      dedup: store,
      enqueue: async () => {},
    });
    await expect(failure).rejects.toBeInstanceOf(MalformedRequestError);
    expect(errorResponse(await failure.catch((e) => e)).status).toBe(400);
    expect(calls).toEqual([]);
  });

  it("enqueues the text, display name and attachment names masked, and the routing fields as they are", async () => {
    const { store } = dedupWith(["claimed"]);
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
      dedup: store,
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
    const { store } = dedupWith([]);
    const order: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const result = await acceptWebhook("wecom-kf", request, {
      adapterFor: async () => adapterReturning(burst),
      dedup: store,
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
