import { describe, expect, it } from "vitest";
import { twilioInbound } from "../../../../local/platforms/twilio";
import type { WebhookRequest } from "../../../../shared/channels/ports";
import type { TwilioCredentials } from "../../../../shared/channels/twilio/credentials";
import { createTwilioInbound, twilioSignature } from "../../../../shared/channels/twilio/inbound";
import { MalformedRequestError, PayloadTooLargeError, SignatureError } from "../../../../shared/core/errors";
import { memoryState } from "../../../../shared/stores/memory";

const PUBLIC_URL = "https://kefu.example.com";
const credentials: TwilioCredentials = {
  KEFU_TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef",
  KEFU_TWILIO_AUTH_TOKEN: "twilio-test-auth-token",
  KEFU_TWILIO_FROM: "",
};

function adapter(publicUrl: string | undefined = PUBLIC_URL) {
  const state = memoryState();
  const settings = { maxSegments: 3, keywordReplies: "platform" as const };
  return {
    state,
    inbound: createTwilioInbound({
      credentials,
      maxBodyBytes: 64 * 1024,
      ...(publicUrl ? { publicUrl } : {}),
      state,
      settings,
    }),
  };
}

function toRequest(
  platform: ReturnType<typeof twilioInbound>,
  overrides: Partial<WebhookRequest> = {},
): WebhookRequest {
  const [path = "", query = ""] = platform.path.split("?");
  return {
    method: platform.method,
    path,
    query: {},
    rawQueryString: query,
    headers: { host: "kefu.example.com", ...platform.headers },
    body: platform.body,
    receivedAt: new Date("2026-05-01T08:00:00Z"),
    ...overrides,
  };
}

const signed = (input: Parameters<typeof twilioInbound>[2]) =>
  toRequest(twilioInbound(credentials, PUBLIC_URL, input));

describe("an inbound Twilio SMS", () => {
  it("is verified and normalised; the ack is empty TwiML", async () => {
    const outcome = await adapter().inbound.handle(
      signed({
        from: "+14155550100",
        to: "+15550001111",
        text: "Where is my order?",
        messageSid: `SM${"a".repeat(32)}`,
      }),
    );
    expect(outcome.kind).toBe("enqueue");
    if (outcome.kind !== "enqueue") return;
    expect(outcome.ack).toEqual({
      status: 200,
      headers: { "content-type": "text/xml" },
      body: '<?xml version="1.0" encoding="UTF-8"?><Response/>',
    });
    expect(outcome.messages[0]).toMatchObject({
      id: `SM${"a".repeat(32)}`,
      channel: "twilio",
      conversationKey: "twilio:+15550001111:+14155550100",
      sender: { id: "+14155550100" },
      recipient: "+15550001111",
      kind: "text",
      text: "Where is my order?",
      attachments: [],
    });
  });

  it("lists MMS media as attachments", async () => {
    const outcome = await adapter().inbound.handle(
      signed({
        from: "+14155550100",
        text: "",
        media: [
          {
            url: "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1",
            contentType: "image/jpeg",
          },
          {
            url: "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME2",
            contentType: "audio/amr",
          },
        ],
      }),
    );
    expect(outcome.kind === "enqueue" && outcome.messages[0]).toMatchObject({
      kind: "media",
      text: "",
      attachments: [
        { type: "image", contentType: "image/jpeg", url: expect.stringContaining("ME1") },
        { type: "voice", contentType: "audio/amr", url: expect.stringContaining("ME2") },
      ],
    });
  });

  it("records STOP and answers it with empty TwiML, queueing nothing", async () => {
    const { inbound, state } = adapter();
    const outcome = await inbound.handle(signed({ from: "+14155550100", to: "+15550001111", text: "Stop" }));
    expect(outcome.kind).toBe("respond");
    expect(state.data.get("twilio:optout:+15550001111:+14155550100")).toMatchObject({ optedOut: true });
  });

  it("does not let an observed START request, replayed after the queue's deduplication window, re-subscribe", async () => {
    const { inbound, state } = adapter();
    const at = (ms: number) => new Date(Date.parse("2026-05-01T08:00:00Z") + ms);
    const keyword = (text: string, sid: string) =>
      signed({ from: "+14155550100", to: "+15550001111", text, messageSid: sid });
    const start = keyword("START", `SM${"2".repeat(32)}`);
    await inbound.handle({ ...keyword("STOP", `SM${"1".repeat(32)}`), receivedAt: at(0) });
    await inbound.handle({ ...start, receivedAt: at(60_000) });
    await inbound.handle({ ...keyword("STOP", `SM${"3".repeat(32)}`), receivedAt: at(120_000) });
    // The same signed request, byte for byte, eight days later: Twilio's signature has no time in it.
    expect((await inbound.handle({ ...start, receivedAt: at(8 * 86_400_000) })).kind).toBe("respond");
    expect(state.data.get("twilio:optout:+15550001111:+14155550100")).toMatchObject({ optedOut: true });
  });

  it("acknowledges a delivery status callback without queueing it", async () => {
    const params = new URLSearchParams({
      MessageSid: "SM1",
      MessageStatus: "delivered",
      AccountSid: credentials.KEFU_TWILIO_ACCOUNT_SID,
    });
    const request: WebhookRequest = {
      method: "POST",
      path: "/webhooks/twilio",
      query: {},
      rawQueryString: "",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": twilioSignature(
          credentials.KEFU_TWILIO_AUTH_TOKEN,
          `${PUBLIC_URL}/webhooks/twilio`,
          params,
        ),
      },
      body: params.toString(),
      receivedAt: new Date(),
    };
    expect((await adapter().inbound.handle(request)).kind).toBe("respond");
  });
});

describe("bad Twilio requests", () => {
  const good = () => signed({ from: "+14155550100", text: "hello" });

  it("refuses a missing or wrong signature (401)", async () => {
    const { "x-twilio-signature": _drop, ...unsigned } = good().headers;
    await expect(adapter().inbound.handle({ ...good(), headers: unsigned })).rejects.toBeInstanceOf(
      SignatureError,
    );
    await expect(
      adapter().inbound.handle({ ...good(), headers: { ...good().headers, "x-twilio-signature": "AAAA" } }),
    ).rejects.toBeInstanceOf(SignatureError);
  });

  it("refuses a changed parameter, whatever the order of the form (401)", async () => {
    const request = good();
    const tampered = request.body.replace("Body=hello", "Body=hellO");
    await expect(adapter().inbound.handle({ ...request, body: tampered })).rejects.toBeInstanceOf(
      SignatureError,
    );
    // Reordering the same parameters keeps the signature valid: Twilio signs them sorted.
    const reordered = [...new URLSearchParams(request.body)].reverse();
    const outcome = await adapter().inbound.handle({
      ...request,
      body: new URLSearchParams(reordered).toString(),
    });
    expect(outcome.kind).toBe("enqueue");
  });

  it("refuses a request signed for another URL: KEFU_PUBLIC_URL must be the console's URL", async () => {
    await expect(adapter("https://other.example.com").inbound.handle(good())).rejects.toBeInstanceOf(
      SignatureError,
    );
    await expect(adapter().inbound.handle({ ...good(), rawQueryString: "x=1" })).rejects.toBeInstanceOf(
      SignatureError,
    );
    // Without KEFU_PUBLIC_URL, https + the Host header is what Twilio dialled when nothing rewrites it.
    expect((await adapter(undefined).inbound.handle(good())).kind).toBe("enqueue");
  });

  it("refuses a body that is not a form, an unusable message, and an oversized body (413)", async () => {
    await expect(
      adapter().inbound.handle({
        ...good(),
        headers: { ...good().headers, "content-type": "application/json" },
      }),
    ).rejects.toBeInstanceOf(MalformedRequestError);
    const params = new URLSearchParams({ Body: "hi", From: "+14155550100" });
    const noSid: WebhookRequest = {
      ...good(),
      body: params.toString(),
      headers: {
        ...good().headers,
        "x-twilio-signature": twilioSignature(
          credentials.KEFU_TWILIO_AUTH_TOKEN,
          `${PUBLIC_URL}/webhooks/twilio`,
          params,
        ),
      },
    };
    await expect(adapter().inbound.handle(noSid)).rejects.toThrow("MessageSid");
    const error = await Promise.resolve()
      .then(() => adapter().inbound.handle({ ...good(), body: `Body=${"a".repeat(70 * 1024)}` }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
  });
});
