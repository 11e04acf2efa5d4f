import { describe, expect, it } from "vitest";
import {
  createSmsOutbound,
  RecipientOptedOutError,
  routeInboundSms,
  type SmsSettings,
  smsSettings,
} from "../../../../shared/channels/sms-common/channel";
import { SMS_TEXTS } from "../../../../shared/channels/sms-common/texts";
import type { HttpResponse } from "../../../../shared/channels/types";
import { ChannelApiError } from "../../../../shared/core/errors";
import type { InboundMessage } from "../../../../shared/core/message";
import { memoryState } from "./memory-state";

const OURS = "+15550000000";
const CUSTOMER = "+14255550182";
const ACK: HttpResponse = { status: 200, body: "OK" };

function setup(settings: Partial<SmsSettings> = {}) {
  const state = memoryState();
  const sent: { to: string; from?: string; body: string }[] = [];
  const outbound = createSmsOutbound({
    channel: "sms",
    state,
    settings: { maxSegments: 3, keywordReplies: "platform", ...settings },
    defaultFrom: OURS,
    transport: async (request) => {
      sent.push(request);
    },
  });
  let n = 0;
  const inbound = (text: string, id = `in-${++n}`): InboundMessage => ({
    id,
    channel: "sms",
    conversationKey: `sms:${OURS}:${CUSTOMER}`,
    sender: { id: CUSTOMER },
    recipient: OURS,
    kind: "text",
    text,
    attachments: [],
    receivedAt: new Date().toISOString(),
    replyContext: {},
  });
  const route = (message: InboundMessage) =>
    routeInboundSms(message, ACK, {
      channel: "sms",
      state,
      settings: { maxSegments: 3, keywordReplies: "platform", ...settings },
      outbound,
    });
  const reply = (text: string) =>
    outbound.send({
      channel: "sms",
      conversationKey: `sms:${OURS}:${CUSTOMER}`,
      to: CUSTOMER,
      from: OURS,
      text,
      replyContext: {},
    });
  return { state, sent, outbound, inbound, route, reply };
}

describe("STOP and START", () => {
  it("records the opt-out, queues nothing, and refuses every later send until START", async () => {
    const { route, inbound, reply, sent } = setup();
    const stop = await route(inbound("STOP"));
    expect(stop).toEqual({ kind: "respond", response: ACK });
    // The platform confirms STOP itself (keywordReplies "platform"): Kefu sends nothing.
    expect(sent).toHaveLength(0);

    const refused = await reply("Your order has shipped.").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ChannelApiError);
    expect((refused as ChannelApiError).retryable).toBe(false);
    expect((refused as ChannelApiError).message).toBe("recipient opted out");
    expect(sent).toHaveLength(0);

    // A question from an opted-out customer still reaches the worker (a person may see it)...
    const question = await route(inbound("where is my parcel"));
    expect(question.kind).toBe("enqueue");

    const start = await route(inbound("START"));
    expect(start.kind).toBe("respond");
    await reply("Welcome back.");
    expect(sent.map((s) => s.body)).toEqual(["Welcome back."]);
  });

  it("handles 退订 and 订阅 the same way", async () => {
    const { route, inbound, reply, state } = setup();
    await route(inbound("退订"));
    expect(state.data.get(`sms:optout:${OURS}:${CUSTOMER}`)).toMatchObject({
      optedOut: true,
      source: "keyword",
    });
    await expect(reply("您好")).rejects.toThrow("recipient opted out");
    await route(inbound("订阅"));
    await expect(reply("您好")).resolves.toBeUndefined();
  });

  it("keeps opt-outs per pair of numbers: another of our numbers may still write", async () => {
    const { route, inbound, outbound, sent } = setup();
    await route(inbound("STOP"));
    await outbound.send({
      channel: "sms",
      conversationKey: `sms:+15559999999:${CUSTOMER}`,
      to: CUSTOMER,
      from: "+15559999999",
      text: "hello",
      replyContext: {},
    });
    expect(sent).toHaveLength(1);
  });

  it("sends one confirmation when Kefu answers keywords, even if the platform retries the STOP", async () => {
    const { route, inbound, sent } = setup({ keywordReplies: "kefu" });
    const stop = inbound("stop", "in-stop");
    await route(stop);
    await route(stop);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toContain("unsubscribed");
    await route(inbound("TD"));
    expect(sent[1]?.body).toContain("已退订");
  });

  it("learns an opt-out from the platform's refusal", async () => {
    const state = memoryState();
    const outbound = createSmsOutbound({
      channel: "twilio",
      state,
      settings: { maxSegments: 3, keywordReplies: "platform" },
      defaultFrom: OURS,
      transport: async () => {
        throw new RecipientOptedOutError();
      },
    });
    const message = {
      channel: "twilio" as const,
      conversationKey: "c",
      to: CUSTOMER,
      from: OURS,
      text: "hi",
      replyContext: {},
    };
    await expect(outbound.send(message)).rejects.toMatchObject({ retryable: false });
    expect(state.data.get(`twilio:optout:${OURS}:${CUSTOMER}`)).toMatchObject({
      optedOut: true,
      source: "platform",
    });
  });
});

describe("STOP and START, once each and in order", () => {
  const T0 = Date.parse("2026-05-01T08:00:00Z");
  const DAY = 86_400_000;
  const UNSUBSCRIBED = SMS_TEXTS.en.optedOut;
  const SUBSCRIBED = SMS_TEXTS.en.optedIn;

  /** Twilio: ids are MessageSids, and a message's time is when it arrived (Twilio signs no time). */
  function twilio(settings: Partial<SmsSettings> = {}, options: { failingSends?: number } = {}) {
    const state = memoryState();
    const sent: string[] = [];
    let failingSends = options.failingSends ?? 0;
    let clock = T0;
    const full: SmsSettings = { maxSegments: 3, keywordReplies: "platform", ...settings };
    const outbound = createSmsOutbound({
      channel: "twilio",
      state,
      settings: full,
      defaultFrom: OURS,
      transport: async ({ body }) => {
        if (failingSends-- > 0) throw new ChannelApiError("Twilio is down", { retryable: true });
        sent.push(body);
      },
    });
    const deliver = (text: string, sid: string, at = clock) =>
      routeInboundSms(
        {
          id: sid,
          channel: "twilio",
          conversationKey: `twilio:${OURS}:${CUSTOMER}`,
          sender: { id: CUSTOMER },
          recipient: OURS,
          kind: "text",
          text,
          attachments: [],
          receivedAt: new Date(at).toISOString(),
          replyContext: {},
        },
        ACK,
        { channel: "twilio", state, settings: full, outbound, now: () => new Date(clock) },
      );
    const optOut = () =>
      state.data.get(`twilio:optout:${OURS}:${CUSTOMER}`) as { optedOut: boolean } | undefined;
    return { state, sent, deliver, optOut, advance: (ms: number) => (clock += ms) };
  }

  it("never lets an old START, replayed after the dedup window, re-subscribe the customer", async () => {
    const { deliver, optOut, advance } = twilio();
    await deliver("STOP", "SM-stop-1");
    advance(60_000);
    await deliver("START", "SM-start");
    advance(60_000);
    await deliver("STOP", "SM-stop-2");
    expect(optOut()?.optedOut).toBe(true);
    // Eight days on, the dedup claim of SM-start has expired; someone posts its signed request again.
    advance(8 * DAY);
    expect((await deliver("START", "SM-start")).kind).toBe("respond");
    expect(optOut()?.optedOut).toBe(true);
  });

  it("does not undo a newer keyword with a platform's retry of an older one", async () => {
    const { deliver, optOut, advance } = twilio();
    await deliver("STOP", "SM-stop");
    advance(5_000);
    await deliver("START", "SM-start");
    advance(5_000);
    await deliver("STOP", "SM-stop"); // Twilio retrying the STOP after a 5xx
    expect(optOut()?.optedOut).toBe(false);
  });

  it("applies keywords by their own time: a delayed older START does not undo a later STOP", async () => {
    // AWS End User Messaging: the time is the signed SNS Timestamp, kept on SNS's retries.
    const { deliver, optOut, advance } = twilio();
    await deliver("STOP", "msg-stop", T0 + 10_000);
    advance(60_000);
    await deliver("START", "msg-start", T0);
    expect(optOut()?.optedOut).toBe(true);
  });

  it("confirms (when Kefu answers keywords) each keyword that changed the state, once", async () => {
    const { sent, deliver, advance } = twilio({ keywordReplies: "kefu" }, { failingSends: 1 });
    // The first confirmation fails: the 5xx makes Twilio retry (#rc and #rp on the URL), which confirms.
    await expect(deliver("STOP", "SM-stop")).rejects.toThrow("Twilio is down");
    advance(3_000);
    await deliver("STOP", "SM-stop");
    await deliver("STOP", "SM-stop");
    advance(3_000);
    await deliver("START", "SM-start");
    advance(3_000);
    await deliver("STOP", "SM-stop"); // a late retry of the older STOP: not applied, not confirmed
    await deliver("STOP", "SM-old", T0 - 60_000); // older than the START: not applied, not confirmed
    expect(sent).toEqual([UNSUBSCRIBED, SUBSCRIBED]);
  });

  it("retries an update that another writer beat, and gives up retryably if it keeps losing", async () => {
    const { state, deliver, optOut } = twilio();
    const write = state.putIfRevision.bind(state);
    let lost = 2;
    state.putIfRevision = async (key, value, expected) => {
      if (lost-- > 0) {
        // Someone else's older STOP lands between our read and our write.
        const revision = ((state.data.get(key) as { revision?: number } | undefined)?.revision ?? 0) + 1;
        const at = new Date(T0 - 1000).toISOString();
        state.data.set(key, { optedOut: true, at, source: "keyword", revision });
      }
      return write(key, value, expected);
    };
    await deliver("START", "SM-start");
    expect(optOut()).toMatchObject({ optedOut: false, revision: 3 });

    state.putIfRevision = async () => false;
    await expect(deliver("STOP", "SM-stop")).rejects.toMatchObject({
      name: "OptOutConflictError",
      retryable: true,
    });
  });
});

describe("HELP", () => {
  it("answers with the AI disclosure and how to opt out when Kefu answers keywords", async () => {
    const { route, inbound, sent } = setup({ keywordReplies: "kefu" });
    expect((await route(inbound("HELP"))).kind).toBe("respond");
    expect(sent[0]?.body).toContain("AI");
    expect(sent[0]?.body).toContain("STOP");
    await route(inbound("帮助"));
    expect(sent[1]?.body).toContain("AI");
    expect(sent[1]?.body).toContain("TD");
  });

  it("is left to the platform by default, and is never queued for the FAQ engine", async () => {
    const { route, inbound, sent } = setup();
    expect((await route(inbound("help"))).kind).toBe("respond");
    expect(sent).toHaveLength(0);
  });
});

describe("MORE", () => {
  const long = "退款将在审核通过后五个工作日内原路退回您的支付账户。".repeat(12);

  it("sends a long answer in parts: the first with the reply, the next ones on MORE, once each", async () => {
    const { route, inbound, reply, sent, state } = setup();
    await reply(long);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body.endsWith("回复 MORE 查看更多")).toBe(true);
    expect(state.ttls.get(`sms:more:sms:${OURS}:${CUSTOMER}`)).toBe(24 * 3600);

    const more = inbound("MORE", "in-more-1");
    expect((await route(more)).kind).toBe("respond");
    await route(more); // the platform's retry of the same delivery
    expect(sent).toHaveLength(2);

    let guard = 0;
    while (sent.at(-1)?.body.endsWith("回复 MORE 查看更多") && guard++ < 10) await route(inbound("更多"));
    const text = sent.map((s) => s.body.replace("\n回复 MORE 查看更多", "")).join("");
    expect(text).toBe(long);

    // Everything was sent: MORE is now an ordinary message for the bot.
    expect((await route(inbound("more"))).kind).toBe("enqueue");
  });

  it("starts over with the newest answer: an old remainder is not sent after a new reply", async () => {
    const { route, inbound, reply, sent } = setup();
    await reply(long);
    await reply("Short answer.");
    expect((await route(inbound("MORE"))).kind).toBe("enqueue");
    expect(sent).toHaveLength(2);
  });

  it("stores nothing when cut replies end with a link", async () => {
    const { reply, sent, state } = setup({ moreUrl: "https://kefu.example/faq" });
    await reply(long);
    expect(sent[0]?.body.endsWith("更多：https://kefu.example/faq")).toBe(true);
    expect(state.data.size).toBe(0);
  });
});

describe("render", () => {
  it("returns one message per reply (the carrier concatenates the segments)", () => {
    const { outbound } = setup({ maxSegments: 2 });
    const parts = outbound.render("Refunds take five days. ".repeat(30));
    expect(parts).toHaveLength(1);
  });
});

describe("settings", () => {
  it("reads KEFU_SMS_MAX_SEGMENTS, KEFU_SMS_MORE_URL and who answers keywords, and refuses nonsense", () => {
    expect(smsSettings({}, "sms")).toEqual({ maxSegments: 3, keywordReplies: "platform" });
    expect(
      smsSettings(
        {
          KEFU_SMS_MAX_SEGMENTS: "5",
          KEFU_SMS_MORE_URL: "https://x.example",
          KEFU_TWILIO_KEYWORD_REPLIES: "kefu",
        },
        "twilio",
      ),
    ).toEqual({ maxSegments: 5, moreUrl: "https://x.example", keywordReplies: "kefu" });
    expect(() => smsSettings({ KEFU_SMS_MAX_SEGMENTS: "0" }, "sms")).toThrow("KEFU_SMS_MAX_SEGMENTS");
    expect(() => smsSettings({ KEFU_SMS_MORE_URL: "javascript:x" }, "sms")).toThrow("KEFU_SMS_MORE_URL");
    expect(() => smsSettings({ KEFU_SMS_KEYWORD_REPLIES: "both" }, "sms")).toThrow(
      "KEFU_SMS_KEYWORD_REPLIES",
    );
  });
});
