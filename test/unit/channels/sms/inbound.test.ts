import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import {
  localSnsCertificatePem,
  signSnsNotification,
  signSnsSubscriptionConfirmation,
} from "../../../../local/simulator/sns-signer";
import type { WebhookRequest } from "../../../../shared/channels/ports";
import { createSmsInbound } from "../../../../shared/channels/sms/inbound";
import { verifySnsMessage } from "../../../../shared/channels/sns/verify";
import { MalformedRequestError, PayloadTooLargeError, SignatureError } from "../../../../shared/core/errors";
import { memoryState } from "../../../support/fakes";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:kefu-sms-inbound";
const CERT_URL = "http://127.0.0.1:3000/sim/sns/cert.pem";
const fixture = readFileSync(new URL("../../../fixtures/sms/two-way-inbound.json", import.meta.url), "utf8");

function adapter(options: { local?: boolean; confirm?: () => Promise<void> } = {}) {
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
      local: options.local ?? true,
      state,
      settings,
      // The shared verifier, trusting the local simulator's certificate.
      verify: (body) =>
        verifySnsMessage(body, { local: true, localCertificatePem: localSnsCertificatePem() }),
      ...(options.confirm ? { confirm: options.confirm } : {}),
    }),
  };
}

const request = (body: string): WebhookRequest => ({
  method: "POST",
  path: "/webhooks/sms",
  query: {},
  rawQueryString: "",
  headers: { "content-type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": "Notification" },
  body,
  receivedAt: new Date(),
});

const notification = (message: string, topicArn = TOPIC) =>
  signSnsNotification(
    { topicArn, message, certUrl: CERT_URL },
    { messageId: "b7a0c5e6-0000-4000-8000-000000000001" },
  );

describe("an inbound SMS from End User Messaging via SNS", () => {
  it("normalises the documented payload into one message for the queue", async () => {
    const outcome = await adapter().inbound.handle(request(notification(fixture)));
    expect(outcome.kind).toBe("enqueue");
    if (outcome.kind !== "enqueue") return;
    expect(outcome.ack.status).toBe(200);
    expect(outcome.messages).toEqual([
      expect.objectContaining({
        id: "cae173d2-66b9-564c-8309-21f858e9fb84",
        channel: "sms",
        conversationKey: "sms:+12125550101:+14255550182",
        sender: { id: "+14255550182" },
        recipient: "+12125550101",
        kind: "text",
        text: "EXAMPLE",
        rawRef: "sns:b7a0c5e6-0000-4000-8000-000000000001",
        replyContext: { previousPublishedMessageId: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
      }),
    ]);
  });

  it("gives an SNS retry the same message id, so the shared dedup drops it", async () => {
    const { inbound } = adapter();
    const body = notification(fixture);
    const [a, b] = [await inbound.handle(request(body)), await inbound.handle(request(body))];
    expect(a.kind === "enqueue" && b.kind === "enqueue" && a.messages[0]?.id === b.messages[0]?.id).toBe(
      true,
    );
  });

  it("records STOP without queueing it", async () => {
    const { inbound, state } = adapter();
    const stop = JSON.stringify({ ...JSON.parse(fixture), messageBody: "STOP", messageKeyword: "STOP" });
    const outcome = await inbound.handle(request(notification(stop)));
    expect(outcome.kind).toBe("respond");
    expect(state.data.get("sms:optout:+12125550101:+14255550182")).toMatchObject({ optedOut: true });
  });
});

describe("bad SNS deliveries", () => {
  it("refuses a tampered message (401)", async () => {
    const body = notification(fixture).replace("EXAMPLE", "EXAMPLF");
    await expect(adapter().inbound.handle(request(body))).rejects.toBeInstanceOf(SignatureError);
  });

  it("refuses a validly signed message from another topic (401)", async () => {
    const body = notification(fixture, "arn:aws:sns:us-east-1:999999999999:someone-else");
    await expect(adapter().inbound.handle(request(body))).rejects.toThrow("another topic");
  });

  it("refuses a Message that is not JSON, or not an inbound SMS (400)", async () => {
    await expect(adapter().inbound.handle(request(notification("{not json")))).rejects.toBeInstanceOf(
      MalformedRequestError,
    );
    const missing = JSON.stringify({ originationNumber: "+14255550182", messageBody: "hi" });
    await expect(adapter().inbound.handle(request(notification(missing)))).rejects.toThrow(
      /destinationNumber/,
    );
    const badNumber = JSON.stringify({ ...JSON.parse(fixture), originationNumber: "<script>" });
    await expect(adapter().inbound.handle(request(notification(badNumber)))).rejects.toBeInstanceOf(
      MalformedRequestError,
    );
  });

  it("refuses a body that is not SNS JSON (400) and an oversized body (400) before verifying", async () => {
    await expect(adapter().inbound.handle(request("hello"))).rejects.toBeInstanceOf(MalformedRequestError);
    const error = await Promise.resolve()
      .then(() => adapter().inbound.handle(request(`{"x":"${"a".repeat(70 * 1024)}"}`)))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).status).toBe(400);
  });
});

describe("subscription confirmation", () => {
  const confirmation = (topicArn = TOPIC) =>
    signSnsSubscriptionConfirmation({
      topicArn,
      certUrl: CERT_URL,
      subscribeUrl: "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=y",
    });

  it("confirms our topic's subscription in AWS, and only acknowledges locally", async () => {
    const confirm = vi.fn(async () => {});
    const aws = await adapter({ local: false, confirm }).inbound.handle(request(confirmation()));
    expect(aws).toMatchObject({ kind: "respond", response: { status: 200 } });
    expect(confirm).toHaveBeenCalledOnce();

    const localConfirm = vi.fn(async () => {});
    await adapter({ local: true, confirm: localConfirm }).inbound.handle(request(confirmation()));
    expect(localConfirm).not.toHaveBeenCalled();
  });

  it("never confirms a subscription to someone else's topic", async () => {
    const confirm = vi.fn(async () => {});
    await expect(
      adapter({ local: false, confirm }).inbound.handle(
        request(confirmation("arn:aws:sns:us-east-1:999999999999:x")),
      ),
    ).rejects.toBeInstanceOf(SignatureError);
    expect(confirm).not.toHaveBeenCalled();
  });
});
