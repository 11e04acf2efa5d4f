import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { TwilioCredentials } from "../../../../shared/channels/twilio/credentials";
import { createTwilioOutbound } from "../../../../shared/channels/twilio/outbound";
import { ChannelApiError } from "../../../../shared/core/errors";
import type { OutboundMessage } from "../../../../shared/core/message";
import { memoryState } from "../../../../shared/stores/memory";

const unsubscribed = readFileSync(
  new URL("../../../fixtures/sms/twilio-error-21610.json", import.meta.url),
  "utf8",
);
const credentials: TwilioCredentials = {
  KEFU_TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef",
  KEFU_TWILIO_AUTH_TOKEN: "twilio-test-auth-token",
  KEFU_TWILIO_FROM: "",
};
const message: OutboundMessage = {
  channel: "twilio",
  conversationKey: "twilio:+15550001111:+14155550100",
  to: "+14155550100",
  from: "+15550001111",
  text: "Your refund is on its way.",
  replyContext: {},
};

function fakeTwilio(responses: (() => Response)[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const next = responses.shift();
    if (!next) throw new Error("no response left");
    return next();
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

const created = () => new Response(JSON.stringify({ sid: "SM1", status: "queued" }), { status: 201 });

function adapter(
  fetch: typeof globalThis.fetch,
  overrides: Partial<TwilioCredentials> = {},
  state = memoryState(),
) {
  return createTwilioOutbound({
    credentials: { ...credentials, ...overrides },
    apiBase: "https://api.twilio.test/",
    state,
    settings: { maxSegments: 3, keywordReplies: "platform" },
    fetch,
  });
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<ChannelApiError> {
  try {
    await promise;
  } catch (error) {
    return error as ChannelApiError;
  }
  throw new Error("expected a failure");
}

describe("Twilio Messages API", () => {
  it("posts To, From and Body form-encoded with Basic auth to the account's Messages.json", async () => {
    const twilio = fakeTwilio([created]);
    await adapter(twilio.fetch).send(message);
    expect(twilio.calls).toHaveLength(1);
    const [call] = twilio.calls;
    expect(call?.url).toBe(
      `https://api.twilio.test/2010-04-01/Accounts/${credentials.KEFU_TWILIO_ACCOUNT_SID}/Messages.json`,
    );
    expect(call?.init.method).toBe("POST");
    const headers = call?.init.headers as Record<string, string>;
    expect(headers.authorization).toBe(
      `Basic ${Buffer.from(`${credentials.KEFU_TWILIO_ACCOUNT_SID}:${credentials.KEFU_TWILIO_AUTH_TOKEN}`).toString("base64")}`,
    );
    expect(headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(String(call?.init.body)))).toEqual({
      To: "+14155550100",
      From: "+15550001111",
      Body: "Your refund is on its way.",
    });
  });

  it("sends from KEFU_TWILIO_FROM when set, as MessagingServiceSid for an MG… SID", async () => {
    const twilio = fakeTwilio([created, created]);
    await adapter(twilio.fetch, { KEFU_TWILIO_FROM: "+15557770000" }).send(message);
    await adapter(twilio.fetch, { KEFU_TWILIO_FROM: `MG${"0".repeat(32)}` }).send(message);
    const forms = twilio.calls.map((c) => Object.fromEntries(new URLSearchParams(String(c.init.body))));
    expect(forms[0]).toMatchObject({ From: "+15557770000" });
    expect(forms[1]).toMatchObject({ MessagingServiceSid: `MG${"0".repeat(32)}` });
    expect(forms[1]?.From).toBeUndefined();
  });
});

describe("Twilio errors", () => {
  it("treats 21610 (unsubscribed recipient) as final and stops writing to that number", async () => {
    const state = memoryState();
    const twilio = fakeTwilio([() => new Response(unsubscribed, { status: 400 })]);
    const sender = adapter(twilio.fetch, {}, state);
    const error = await failure(sender.send(message));
    expect(error).toBeInstanceOf(ChannelApiError);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("21610");
    await expect(sender.send(message)).rejects.toThrow("recipient opted out");
    expect(twilio.calls).toHaveLength(1);
  });

  it("retries 429/20429, 5xx and network failures; not other 4xx", async () => {
    const outcome = async (response: () => Response) =>
      failure(adapter(fakeTwilio([response]).fetch).send(message));
    const json = (status: number, code: number) => () =>
      new Response(JSON.stringify({ code, message: "x", status }), { status });
    expect((await outcome(json(429, 20429))).retryable).toBe(true);
    expect((await outcome(json(503, 20500))).retryable).toBe(true);
    expect((await outcome(() => new Response("<html>bad gateway</html>", { status: 502 }))).retryable).toBe(
      true,
    );
    expect((await outcome(json(401, 20003))).retryable).toBe(false);
    expect((await outcome(json(400, 21211))).retryable).toBe(false);
    const offline = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof globalThis.fetch;
    expect((await failure(adapter(offline).send(message))).retryable).toBe(true);
  });
});
