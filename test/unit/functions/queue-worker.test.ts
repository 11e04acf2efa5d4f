import type { Context, SQSRecord } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createQueueWorker } from "../../../functions/worker/queue-worker";
import type { EngineResult } from "../../../shared/core/engine";
import { ChannelApiError } from "../../../shared/core/errors";
import { type InboundMessage, InboundMessageSchema } from "../../../shared/core/message";
import type { PipelineDeps } from "../../../shared/core/pipeline/ports";
import { INBOUND_QUEUE } from "../../../shared/resources";
import { inbound, pipelineDeps, scriptedEngine, sqsRecord } from "../../support/fakes";

const answer: EngineResult = {
  decision: { kind: "answer", text: "退货请在订单页申请", faqIds: ["returns"], confidence: 0.9 },
  candidates: [],
};

/** What the worker logged, level by level, as the Powertools logger would receive it. */
function recordingLogger() {
  const lines: { level: "info" | "warn" | "error"; message: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: "info" | "warn" | "error") =>
    (message: string, fields: Record<string, unknown> = {}) => {
      lines.push({ level, message, fields });
    };
  return { lines, logger: { info: at("info"), warn: at("warn"), error: at("error") } };
}

function recordingMetrics() {
  const counts: Record<string, number> = {};
  const add = (name: string, _unit: unknown, value: number) => {
    counts[name] = (counts[name] ?? 0) + value;
  };
  const single = { addDimension() {}, addDimensions() {}, addMetric: add };
  return { counts, metrics: { addMetric: add, singleMetric: () => single } as never };
}

function recordOf(message: InboundMessage, receiveCount = 1): SQSRecord {
  return sqsRecord(message, { receiveCount });
}

function context(remainingMs = 60_000): Context {
  return { getRemainingTimeInMillis: () => remainingMs } as Context;
}

function workerWith(deps: PipelineDeps) {
  const log = recordingLogger();
  const metrics = recordingMetrics();
  const worker = createQueueWorker({
    pipeline: deps,
    parse: (record) => InboundMessageSchema.parse(JSON.parse(record.body)),
    logger: log.logger,
    metrics: metrics.metrics,
  });
  return { worker, lines: log.lines, counts: metrics.counts };
}

const secret = "我的手机号是13812345678";
const customer = (overrides: Parameters<typeof inbound>[0] = {}) =>
  inbound({
    text: secret,
    sender: { id: "o-private" },
    conversationKey: "wechat:gh:o-private",
    ...overrides,
  });

afterEach(() => {
  vi.useRealTimers();
});

describe("a failed message", () => {
  it("is logged once, by code and ids, never with its text, and returns to the queue", async () => {
    const { deps } = pipelineDeps(
      scriptedEngine(() => answer),
      {
        async send() {
          throw new ChannelApiError("WeChat send failed after 3 attempts", { retryable: true });
        },
      },
    );
    const { worker, lines } = workerWith(deps);
    const message = customer();
    const response = await worker({ Records: [recordOf(message, 2)] } as never, context());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: `sqs-${message.id}` }]);
    expect(lines).toEqual([
      {
        level: "warn",
        message: "message failed; it returns to the queue",
        fields: {
          channel: "wechat",
          messageId: message.id,
          sqsMessageId: `sqs-${message.id}`,
          receiveCount: 2,
          maxReceiveCount: INBOUND_QUEUE.maxReceiveCount,
          code: "ChannelApiError",
          detail: "WeChat send failed after 3 attempts",
          retryable: true,
        },
      },
    ]);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain("13812345678");
    expect(logged).not.toContain("o-private");
  });

  it("says on its last receive that it goes to the dead-letter queue, with the cause", async () => {
    const { deps } = pipelineDeps(
      scriptedEngine(() => answer),
      {
        async send() {
          throw new ChannelApiError("DingTalk send failed after 3 attempts", {
            retryable: true,
            cause: new TypeError("fetch failed"),
          });
        },
      },
    );
    const { worker, lines, counts } = workerWith(deps);
    const message = customer({ channel: "dingtalk" });
    await worker({ Records: [recordOf(message, INBOUND_QUEUE.maxReceiveCount)] } as never, context());

    expect(lines[0]).toMatchObject({
      level: "error",
      message: "message failed on its last receive; it goes to the dead-letter queue",
      fields: { channel: "dingtalk", messageId: message.id, code: "ChannelApiError", cause: "TypeError" },
    });
    expect(counts.MessagesDeadLettered).toBe(1);
  });

  it("holds back the later messages of its conversation, logged as such, while other conversations go on", async () => {
    const failing = customer({ id: "a-1" });
    const { deps } = pipelineDeps(
      scriptedEngine(() => answer),
      {
        async send(out) {
          if (out.inReplyTo === failing.id) throw new ChannelApiError("busy", { retryable: true });
        },
      },
    );
    const { worker, lines } = workerWith(deps);
    const later = customer({ id: "a-2" });
    const other = inbound({ id: "b-1", conversationKey: "wechat:gh:o-other", sender: { id: "o-other" } });
    const response = await worker(
      { Records: [recordOf(failing), recordOf(later), recordOf(other)] } as never,
      context(),
    );

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["sqs-a-1", "sqs-a-2"]);
    const logged = lines.map((l) => [l.level, l.fields.messageId, l.fields.code]);
    // The conversations go on side by side: only the order within one is fixed.
    expect(logged).toHaveLength(3);
    expect(logged.filter(([, id]) => id !== "b-1")).toEqual([
      ["warn", "a-1", "ChannelApiError"],
      ["warn", "a-2", "held_back"],
    ]);
    expect(logged).toContainEqual(["info", "b-1", undefined]);
  });

  it("fails a batch record by record, without throwing, when every record fails", async () => {
    const { deps } = pipelineDeps(
      scriptedEngine(() => answer),
      {
        async send() {
          throw new ChannelApiError("busy", { retryable: true });
        },
      },
    );
    const { worker, lines } = workerWith(deps);
    const records = [
      customer({ id: "x-1", conversationKey: "c1" }),
      customer({ id: "x-2", conversationKey: "c2" }),
    ];
    const response = await worker({ Records: records.map((m) => recordOf(m)) } as never, context());
    expect(response.batchItemFailures).toHaveLength(2);
    expect(lines.map((l) => l.fields.messageId)).toEqual(["x-1", "x-2"]);
  });

  it("is not retried when DynamoDB refuses its record as invalid: logged as a permanent failure", async () => {
    const { deps, conversations } = pipelineDeps(scriptedEngine(() => answer));
    deps.conversations = {
      get: conversations.get.bind(conversations),
      async save() {
        throw Object.assign(new Error("Item size has exceeded the maximum allowed size"), {
          name: "ValidationException",
          $metadata: { httpStatusCode: 400 },
        });
      },
    };
    const { worker, lines, counts } = workerWith(deps);
    const message = customer();
    const response = await worker({ Records: [recordOf(message)] } as never, context());

    expect(response.batchItemFailures).toEqual([]);
    expect(lines).toEqual([
      {
        level: "error",
        message: "message failed permanently; not retried",
        fields: {
          channel: "wechat",
          messageId: message.id,
          sqsMessageId: `sqs-${message.id}`,
          receiveCount: 1,
          code: "ValidationException",
          status: 400,
        },
      },
    ]);
    expect(counts.MessagesFailedPermanently).toBe(1);
  });

  it("is not parsed from a malformed body into the log: only the SQS ids are shown", async () => {
    const { deps } = pipelineDeps(scriptedEngine(() => answer));
    const { worker, lines } = workerWith(deps);
    const record = { ...recordOf(customer()), messageId: "sqs-bad", body: `{"text":"${secret}"` };
    const response = await worker({ Records: [record] } as never, context());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "sqs-bad" }]);
    expect(lines[0]?.fields).toMatchObject({ sqsMessageId: "sqs-bad", code: "SyntaxError" });
    expect(JSON.stringify(lines)).not.toContain("13812345678");
  });
});

describe("the invocation's time", () => {
  it("returns the messages it has no time for to the queue un-started", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const engine = scriptedEngine(() => {
      // The first answer is slow: 50 of the invocation's 60 seconds.
      vi.setSystemTime(Date.now() + 50_000);
      return answer;
    });
    const { deps, sent } = pipelineDeps(engine);
    const { worker, lines } = workerWith(deps);
    // One conversation: its messages go one after another, on the invocation's one clock.
    const first = inbound({ id: "t-1", conversationKey: "k1" });
    const second = inbound({ id: "t-2", conversationKey: "k1" });
    const response = await worker({ Records: [recordOf(first), recordOf(second)] } as never, context(60_000));

    expect(sent.map((m) => m.inReplyTo)).toEqual(["t-1"]);
    expect(engine.calls).toHaveLength(1);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "sqs-t-2" }]);
    expect(lines.at(-1)).toMatchObject({ level: "warn", fields: { messageId: "t-2", code: "out_of_time" } });
  });
});

describe("a batch of several conversations", () => {
  /** An engine whose answers wait until `release` is called, telling who is deciding right now. */
  function gatedEngine() {
    const deciding = new Set<string>();
    const order: string[] = [];
    let most = 0;
    const waiting: (() => void)[] = [];
    const engine = {
      async decide(input: { text: string }) {
        deciding.add(input.text);
        most = Math.max(most, deciding.size);
        order.push(`start ${input.text}`);
        await new Promise<void>((resolve) => waiting.push(resolve));
        deciding.delete(input.text);
        order.push(`end ${input.text}`);
        return { ...answer, decision: { ...answer.decision, text: `re ${input.text}` } } as EngineResult;
      },
    };
    /** Lets every waiting answer go, until the batch is done. */
    const releaseUntil = async (done: Promise<unknown>) => {
      let finished = false;
      void done.finally(() => {
        finished = true;
      });
      while (!finished) {
        await new Promise((resolve) => setImmediate(resolve));
        waiting.splice(0).forEach((resolve) => {
          resolve();
        });
      }
    };
    return { engine, order, most: () => most, releaseUntil };
  }

  it("works on its conversations at once, each one's messages in order", async () => {
    const { engine, order, most, releaseUntil } = gatedEngine();
    const { deps, sent } = pipelineDeps(engine as never);
    const { worker } = workerWith(deps);
    const a1 = inbound({ id: "a-1", text: "a1", conversationKey: "ka", sender: { id: "oa" } });
    const a2 = inbound({ id: "a-2", text: "a2", conversationKey: "ka", sender: { id: "oa" } });
    const b1 = inbound({ id: "b-1", text: "b1", conversationKey: "kb", sender: { id: "ob" } });
    const done = worker({ Records: [a1, a2, b1].map((m) => recordOf(m)) } as never, context());
    await releaseUntil(done);
    const response = await done;

    expect(response.batchItemFailures).toEqual([]);
    // b-1 did not wait for conversation a: it was decided while a-1 was.
    expect(order.slice(0, 2).sort()).toEqual(["start a1", "start b1"]);
    expect(most()).toBe(2);
    // Within conversation a, one message after the other.
    expect(order.indexOf("start a2")).toBeGreaterThan(order.indexOf("end a1"));
    expect(sent.filter((m) => m.to === "oa").map((m) => m.inReplyTo)).toEqual(["a-1", "a-2"]);
  });

  it("keeps to its bound of conversations at once", async () => {
    const { engine, most, releaseUntil } = gatedEngine();
    const { deps, sent } = pipelineDeps(engine as never);
    const log = recordingLogger();
    const worker = createQueueWorker({
      pipeline: deps,
      parse: (record) => InboundMessageSchema.parse(JSON.parse(record.body)),
      logger: log.logger,
      metrics: recordingMetrics().metrics,
      groupsAtOnce: 2,
    });
    const messages = ["k1", "k2", "k3", "k4"].map((key) =>
      inbound({ id: `m-${key}`, text: key, conversationKey: key, sender: { id: `o-${key}` } }),
    );
    const done = worker({ Records: messages.map((m) => recordOf(m)) } as never, context());
    await releaseUntil(done);
    await done;

    expect(most()).toBe(2);
    expect(sent).toHaveLength(4);
  });
});

describe("a message that failed on its last receive", () => {
  const lastReceive = INBOUND_QUEUE.maxReceiveCount;

  it("is handed to a person: a high-priority ticket with the cause, agents alerted, the bot silent after", async () => {
    let sends = 0;
    const { deps, tickets, notified, conversations } = pipelineDeps(
      scriptedEngine(() => answer),
      {
        async send() {
          sends++;
          throw new ChannelApiError("WeChat send failed after 3 attempts", { retryable: true });
        },
      },
    );
    const { worker, lines, counts } = workerWith(deps);
    const message = customer();
    const response = await worker({ Records: [recordOf(message, lastReceive)] } as never, context());

    // Still to the dead-letter queue (and its alarm), but not without a person.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: `sqs-${message.id}` }]);
    const [ticket] = [...tickets.items.values()];
    expect(ticket).toMatchObject({
      reason: "processing_failed",
      priority: "high",
      detail: "ChannelApiError: WeChat send failed after 3 attempts",
      status: "open",
    });
    expect(ticket?.transcript.map((t) => t.role)).toEqual(["customer"]);
    expect(notified).toEqual([ticket?.ticketId]);
    expect((await conversations.get(message.conversationKey))?.openTicketId).toBe(ticket?.ticketId);
    // The notice was tried on the channel that failed; the ticket stands without it.
    expect(sends).toBeGreaterThan(1);
    expect(counts.MessagesEscalated).toBe(1);
    expect(lines.at(-1)).toMatchObject({
      level: "warn",
      message: "message handed to a person before the dead-letter queue",
      fields: { messageId: message.id, action: "handed_off", reason: "processing_failed" },
    });
    expect(JSON.stringify(lines)).not.toContain("13812345678");
  });

  it("tells the customer the ticket number when the channel works (a message out of time)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const engine = scriptedEngine(() => {
      vi.setSystemTime(Date.now() + 50_000);
      return answer;
    });
    const { deps, sent, tickets } = pipelineDeps(engine);
    const { worker } = workerWith(deps);
    const first = inbound({ id: "t-1", conversationKey: "k1" });
    const second = inbound({ id: "t-2", conversationKey: "k1" });
    const response = await worker(
      { Records: [recordOf(first, lastReceive), recordOf(second, lastReceive)] } as never,
      context(60_000),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "sqs-t-2" }]);
    const [ticket] = [...tickets.items.values()];
    expect(ticket).toMatchObject({
      reason: "processing_failed",
      detail: expect.stringContaining("out_of_time"),
    });
    expect(sent.map((m) => [m.inReplyTo, m.text])).toEqual([
      ["t-1", expect.stringContaining("退货")],
      ["t-2", `[handoff ${ticket?.ticketId}]`],
    ]);
  });

  it("held back behind a failed one, is handed over too; the failed one then joins that ticket", async () => {
    const failing = customer({ id: "h-1" });
    const { deps, tickets } = pipelineDeps(
      scriptedEngine(() => answer),
      {
        async send(out) {
          if (out.inReplyTo === failing.id) throw new ChannelApiError("busy", { retryable: true });
        },
      },
    );
    const { worker } = workerWith(deps);
    const later = customer({ id: "h-2", text: "还在吗" });
    await worker({ Records: [recordOf(failing, 3), recordOf(later, lastReceive)] } as never, context());
    expect([...tickets.items.values()].map((t) => t.reason)).toEqual(["processing_failed"]);

    // The first one's last receive: the conversation is the person's, so it goes on the same ticket.
    await worker({ Records: [recordOf(failing, lastReceive)] } as never, context());
    const all = [...tickets.items.values()];
    expect(all).toHaveLength(1);
    // The later message, the hand-off notice it got, then the failed one.
    expect(all[0]?.transcript.map((t) => t.text)).toEqual([
      "还在吗",
      expect.stringContaining("[handoff"),
      expect.stringContaining("****"),
    ]);
  });

  it("is not handed over when it is an event: nothing for a person to answer (an SMS STOP's confirmation)", async () => {
    const { deps, tickets, notified } = pipelineDeps(
      scriptedEngine(() => answer),
      {
        async send() {
          throw new ChannelApiError("busy", { retryable: true });
        },
      },
    );
    const { worker } = workerWith(deps);
    const event = inbound({ id: "e-1", kind: "event", event: "subscribe", text: "" });
    const response = await worker({ Records: [recordOf(event, lastReceive)] } as never, context());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "sqs-e-1" }]);
    expect(tickets.items.size).toBe(0);
    expect(notified).toEqual([]);
  });

  it("is not handed over when its reply went out in full and only recording it failed: no second reply", async () => {
    const { deps, tickets, sent, conversations } = pipelineDeps(scriptedEngine(() => answer));
    const failingSaves = {
      get: conversations.get.bind(conversations),
      async save(): Promise<never> {
        throw Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" });
      },
    };
    const { worker } = workerWith({ ...deps, conversations: failingSaves });
    const message = customer({ id: "r-1" });
    const response = await worker({ Records: [recordOf(message, lastReceive)] } as never, context());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "sqs-r-1" }]);
    expect(tickets.items.size).toBe(0);
    expect(sent.map((m) => m.text)).toEqual([expect.stringContaining("退货")]);
  });

  it("is not handed over before its last receive", async () => {
    const { deps, tickets } = pipelineDeps(
      scriptedEngine(() => answer),
      {
        async send() {
          throw new ChannelApiError("busy", { retryable: true });
        },
      },
    );
    const { worker } = workerWith(deps);
    await worker({ Records: [recordOf(customer(), lastReceive - 1)] } as never, context());
    expect(tickets.items.size).toBe(0);
  });
});
