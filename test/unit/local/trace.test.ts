import type { SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { explain, failed, settled } from "../../../local/cli/outcome";
import type { FollowedLogRecord } from "../../../local/logs";
import { MessageTracker, type RequestTraceView } from "../../../local/trace";

/**
 * What `npm run chat` says when there is no reply: built from the functions' logs and the event source,
 * it names what actually happened instead of guessing "a person may be handling this conversation".
 */
const log = (
  message: string,
  attributes: Record<string, unknown>,
  level: FollowedLogRecord["level"] = "info",
) => ({ level, message, attributes }) as FollowedLogRecord;

const sqsRecord = (channel: string, id: string, receiveCount: number) =>
  ({
    body: JSON.stringify({ channel, id, text: "不会被读" }),
    attributes: { ApproximateReceiveCount: String(receiveCount) },
  }) as unknown as SQSRecord;

/** One webhook delivery of one message, queued. */
async function delivered(tracker: MessageTracker, key: string) {
  const { traceId } = await tracker.traceRequest("wechat", async () => {
    tracker.onLog(log("webhook message", { channel: "wechat", messageKey: key, result: "enqueued" }));
    return { statusCode: 200 };
  });
  const view = () => tracker.request(traceId) as RequestTraceView;
  return view;
}

describe("a delivery's trace", () => {
  it("follows a message from the queue to the worker's outcome", async () => {
    const tracker = new MessageTracker(3);
    const view = await delivered(tracker, "wechat#m1");
    expect(view().messages).toEqual([
      { key: "wechat#m1", result: "enqueued", status: "queued", attempts: 0 },
    ]);
    expect(settled(view())).toBe(false);

    tracker.onReceive(sqsRecord("wechat", "m1", 1));
    expect(view().messages[0]).toMatchObject({ status: "processing", attempts: 1 });
    tracker.onLog(
      log("message processed", {
        channel: "wechat",
        messageId: "m1",
        receiveCount: "1",
        action: "silent",
        ticketId: "KF-ABCD1234",
      }),
    );
    expect(settled(view())).toBe(true);
    expect(explain(view(), 0, 15)).toEqual([
      "(no reply: ticket KF-ABCD1234 is open and a person is handling this conversation; see npm run desk -- show KF-ABCD1234)",
    ]);
  });

  it("says the message went to the dead-letter queue after the last failed attempt, with the logged code", async () => {
    const tracker = new MessageTracker(3);
    const view = await delivered(tracker, "wechat#m2");
    for (let attempt = 1; attempt <= 3; attempt++) {
      tracker.onReceive(sqsRecord("wechat", "m2", attempt));
      tracker.onLog(
        log("record failed", { channel: "wechat", messageId: "m2", code: "channel_error" }, "error"),
      );
      tracker.onFailure(sqsRecord("wechat", "m2", attempt));
      expect(view().messages[0]?.status).toBe(attempt < 3 ? "retrying" : "dead-lettered");
    }
    expect(settled(view())).toBe(true);
    expect(failed(view())).toBe(true);
    expect(explain(view(), 0, 15)).toEqual([
      "(failed: the worker gave up after 3 attempts, last error channel_error; the message is in the dead-letter queue: see GET /dev/dlq and the npm start log)",
    ]);
  });

  it("keeps the failure's code when the worker then hands the conversation to a person, and says who has it", async () => {
    const tracker = new MessageTracker(2);
    const handed = await delivered(tracker, "wechat#m5");
    const notHanded = await delivered(tracker, "wechat#m6");
    for (const [id, escalation] of [
      [
        "m5",
        log(
          "message handed to a person before the dead-letter queue",
          { action: "handed_off", reason: "processing_failed", ticketId: "KF-ABCD5678" },
          "warn",
        ),
      ],
      [
        "m6",
        log(
          "message could not be handed to a person; only the dead-letter queue has it",
          { code: "store_error" },
          "error",
        ),
      ],
    ] as const) {
      for (let attempt = 1; attempt <= 2; attempt++) {
        tracker.onReceive(sqsRecord("wechat", id, attempt));
        tracker.onLog(
          log("record failed", { channel: "wechat", messageId: id, code: "channel_error" }, "error"),
        );
        if (attempt === 2) {
          tracker.onLog({
            ...escalation,
            attributes: { ...escalation.attributes, channel: "wechat", messageId: id },
          });
        }
        tracker.onFailure(sqsRecord("wechat", id, attempt));
      }
    }
    expect(explain(handed(), 0, 15)).toEqual([
      "(failed: the worker gave up after 2 attempts, last error channel_error; the message is in the dead-letter queue: see GET /dev/dlq and the npm start log)",
      "(a person has the conversation: ticket KF-ABCD5678; see npm run desk -- show KF-ABCD5678)",
    ]);
    expect(explain(notHanded(), 0, 15)).toEqual([
      "(failed: the worker gave up after 2 attempts, last error channel_error; the message is in the dead-letter queue: see GET /dev/dlq and the npm start log)",
      "(the conversation could not be handed to a person either: store_error)",
    ]);
  });

  it("says when the webhook queued nothing, refused the delivery, or took it as a duplicate", async () => {
    const tracker = new MessageTracker(3);
    const keyword = await tracker.traceRequest("sms", async () => ({ statusCode: 200 }));
    const nothing = tracker.request(keyword.traceId) as RequestTraceView;
    expect(settled(nothing)).toBe(true);
    expect(explain(nothing, 0, 15)[0]).toMatch(
      /nothing was queued: the ingress answered this delivery itself/,
    );
    // With the keyword's own reply printed, there is nothing to add.
    expect(explain(nothing, 1, 15)).toEqual([]);

    const refused = await tracker.traceRequest("wechat", async () => {
      tracker.onLog(
        log("webhook rejected", { channel: "wechat", code: "bad_signature", status: 401 }, "warn"),
      );
      return { statusCode: 401 };
    });
    expect(failed(tracker.request(refused.traceId) as RequestTraceView)).toBe(true);
    expect(explain(tracker.request(refused.traceId) as RequestTraceView, 0, 15)).toEqual([
      "(the webhook refused the delivery: HTTP 401 bad_signature)",
    ]);

    const again = await tracker.traceRequest("wechat", async () => {
      tracker.onLog(
        log("webhook message", { channel: "wechat", messageKey: "wechat#m1", result: "duplicate" }),
      );
      return { statusCode: 200 };
    });
    const duplicate = tracker.request(again.traceId) as RequestTraceView;
    expect(settled(duplicate)).toBe(true);
    expect(explain(duplicate, 0, 15)[0]).toMatch(/duplicate delivery/);
  });

  it("does not attribute the worker's logs to a delivery, nor a delivery's logs to another", async () => {
    const tracker = new MessageTracker(3);
    const [a, b] = await Promise.all([delivered(tracker, "wechat#a"), delivered(tracker, "wechat#b")]);
    expect(a().messages.map((m) => m.key)).toEqual(["wechat#a"]);
    expect(b().messages.map((m) => m.key)).toEqual(["wechat#b"]);
  });
});

describe("what chat says for each outcome of the worker", () => {
  const done = (outcome: Record<string, unknown>): RequestTraceView => ({
    id: "t",
    channel: "sms",
    status: 200,
    messages: [{ key: "sms#1", result: "enqueued", status: "done", attempts: 1, outcome }],
  });

  it.each([
    [
      { action: "ignored", why: "event unsubscribe" },
      0,
      "(no reply: the bot ignores this message: event unsubscribe)",
    ],
    [
      { action: "undeliverable", error: "recipient opted out" },
      0,
      "(no reply delivered: the channel refused it for good: recipient opted out)",
    ],
    [
      { action: "handed_off", reason: "customer_request", ticketId: "KF-1" },
      1,
      "(handed off to a person: ticket KF-1, reason customer_request; see npm run desk -- show KF-1)",
    ],
    [
      { action: "duplicate" },
      0,
      "(no reply: this message was answered before; a redelivery is not answered again)",
    ],
    [{ action: "answered" }, 0, "(the worker's outcome is answered, but no reply reached the outbox)"],
  ])("%o with %i replies", (outcome, replies, note) => {
    expect(explain(done(outcome), replies, 15)).toEqual([note]);
  });

  it("adds nothing to an answer", () => {
    expect(explain(done({ action: "answered", faqIds: ["x"] }), 1, 15)).toEqual([]);
    expect(failed(done({ action: "answered", faqIds: ["x"] }))).toBe(false);
  });

  it("says how far a message got when the wait ran out", () => {
    const trace: RequestTraceView = {
      id: "t",
      channel: "wechat",
      status: 200,
      messages: [
        { key: "wechat#1", result: "enqueued", status: "retrying", attempts: 2, lastError: "timeout" },
      ],
    };
    expect(settled(trace)).toBe(false);
    expect(explain(trace, 0, 15)).toEqual([
      "(no outcome after 15s: the message is retrying after 2 attempts, last error timeout)",
    ]);
  });
});
