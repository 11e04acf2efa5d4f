import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SnsNotification } from "../../../../shared/channels/ports";
import { createSmsInbound } from "../../../../shared/channels/sms/inbound";
import { MalformedRequestError, PayloadTooLargeError } from "../../../../shared/core/errors";
import { memoryState } from "../../../../shared/stores/memory";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:kefu-sms-inbound";
const fixture = readFileSync(new URL("../../../fixtures/sms/two-way-inbound.json", import.meta.url), "utf8");

function adapter() {
  const state = memoryState();
  const settings = { maxSegments: 3, keywordReplies: "platform" as const };
  return {
    state,
    inbound: createSmsInbound({
      credentials: {
        KEFU_SMS_ORIGINATION: "+12125550101",
        KEFU_SMS_TOPIC_ARN: TOPIC,
        KEFU_SMS_CONFIGURATION_SET: "",
      },
      maxBodyBytes: 64 * 1024,
      state,
      settings,
    }),
  };
}

/** The notification as the Lambda subscription hands it over (the SNSEvent record's Sns). */
const notification = (message: string, topicArn = TOPIC): SnsNotification => ({
  topicArn,
  messageId: "b7a0c5e6-0000-4000-8000-000000000001",
  timestamp: "2026-11-30T08:00:00.000Z",
  message,
  receivedAt: new Date(),
});

describe("an inbound SMS from End User Messaging via SNS", () => {
  it("normalises the documented payload into one message for the queue", async () => {
    const outcome = await adapter().inbound.handle(notification(fixture));
    expect(outcome.kind).toBe("enqueue");
    if (outcome.kind !== "enqueue") return;
    expect(outcome.messages).toEqual([
      expect.objectContaining({
        id: "cae173d2-66b9-564c-8309-21f858e9fb84",
        channel: "sms",
        conversationKey: "sms:+12125550101:+14255550182",
        sender: { id: "+14255550182" },
        recipient: "+12125550101",
        kind: "text",
        text: "EXAMPLE",
        receivedAt: "2026-11-30T08:00:00.000Z",
        rawRef: "sns:b7a0c5e6-0000-4000-8000-000000000001",
        replyContext: { previousPublishedMessageId: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
      }),
    ]);
  });

  it("gives an SNS retry the same message id, so the queue's deduplication drops it", async () => {
    const { inbound } = adapter();
    const body = notification(fixture);
    const [a, b] = [await inbound.handle(body), await inbound.handle(body)];
    expect(a.kind === "enqueue" && b.kind === "enqueue" && a.messages[0]?.id === b.messages[0]?.id).toBe(
      true,
    );
  });

  it("records STOP without queueing it", async () => {
    const { inbound, state } = adapter();
    const stop = JSON.stringify({ ...JSON.parse(fixture), messageBody: "STOP", messageKeyword: "STOP" });
    const outcome = await inbound.handle(notification(stop));
    expect(outcome.kind).toBe("respond");
    expect(state.data.get("sms:optout:+12125550101:+14255550182")).toMatchObject({ optedOut: true });
  });
});

describe("bad SNS notifications", () => {
  it("owns its configured topic only", () => {
    expect(adapter().inbound.accepts(TOPIC)).toBe(true);
    expect(adapter().inbound.accepts("arn:aws:sns:us-east-1:999999999999:someone-else")).toBe(false);
  });

  it("refuses a Message that is not JSON, or not an inbound SMS", async () => {
    await expect(adapter().inbound.handle(notification("{not json"))).rejects.toBeInstanceOf(
      MalformedRequestError,
    );
    const missing = JSON.stringify({ originationNumber: "+14255550182", messageBody: "hi" });
    await expect(adapter().inbound.handle(notification(missing))).rejects.toThrow(/destinationNumber/);
    const badNumber = JSON.stringify({ ...JSON.parse(fixture), originationNumber: "<script>" });
    await expect(adapter().inbound.handle(notification(badNumber))).rejects.toBeInstanceOf(
      MalformedRequestError,
    );
  });

  it("refuses an oversized Message before parsing it", async () => {
    const error = await adapter()
      .inbound.handle(notification(`{"x":"${"a".repeat(70 * 1024)}"}`))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
  });
});
