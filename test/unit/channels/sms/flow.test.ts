import { describe, expect, it } from "vitest";
import type { HttpResponse, WebhookOutcome } from "../../../../shared/channels/ports";
import type { SmsSettings } from "../../../../shared/channels/settings";
import {
  createSmsOutbound,
  RecipientOptedOutError,
  routeInboundSms,
  type SmsOutbound,
} from "../../../../shared/channels/sms-common/channel";
import { SMS_TEXTS } from "../../../../shared/channels/sms-common/texts";
import { smsSettings } from "../../../../shared/config/channels";
import { ChannelApiError } from "../../../../shared/core/errors";
import { type InboundMessage, KEYWORD_EVENT } from "../../../../shared/core/message";
import { memoryState } from "../../../../shared/stores/memory";

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
    });
  /** The worker's side: what the webhook queued as keyword events, answered by the channel. */
  const answer = async (outcome: WebhookOutcome) => {
    if (outcome.kind !== "enqueue") return;
    for (const m of outcome.messages) if (m.event === KEYWORD_EVENT) await answerKeyword(outbound, m);
  };
  /** A webhook delivery, then the worker's processing of what it queued. */
  const deliver = async (message: InboundMessage) => {
    const outcome = await route(message);
    await answer(outcome);
    return outcome;
  };
  const reply = (text: string) =>
    outbound.send({
      channel: "sms",
      conversationKey: `sms:${OURS}:${CUSTOMER}`,
      to: CUSTOMER,
      from: OURS,
      text,
      replyContext: {},
    });
  return { state, sent, outbound, inbound, route, answer, deliver, reply };
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

  it("queues the confirmation for the worker when Kefu answers keywords, sent once however often it comes", async () => {
    const { route, answer, deliver, inbound, sent, state } = setup({ keywordReplies: "kefu" });
    const stop = inbound("stop", "in-stop");
    const outcome = await route(stop);
    // The webhook records the opt-out and sends nothing itself.
    expect(state.data.get(`sms:optout:${OURS}:${CUSTOMER}`)).toMatchObject({ optedOut: true });
    expect(sent).toHaveLength(0);
    expect(outcome).toEqual({
      kind: "enqueue",
      ack: ACK,
      messages: [{ ...stop, kind: "event", event: KEYWORD_EVENT, replyContext: { keyword: "opt_out" } }],
    });
    await answer(outcome);
    await answer(outcome); // an SQS redelivery
    await answer(await route(stop)); // the platform's retry of the delivery
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toContain("unsubscribed");
    await deliver(inbound("TD"));
    expect(sent[1]?.body).toContain("已退订");
  });

  it("lets only the opt-out confirmation itself through: a later message carrying the keyword in its routing is refused", async () => {
    const { route, answer, inbound, outbound, sent } = setup({ keywordReplies: "kefu" });
    await answer(await route(inbound("stop", "in-stop-2")));
    expect(sent).toHaveLength(1);
    // A hand-off notice or the CSAT question of a ticket opened from the STOP message inherits its
    // routing data (keyword opt_out) but is no keyword answer.
    const notice = outbound.send({
      channel: "sms",
      conversationKey: `sms:${OURS}:${CUSTOMER}`,
      to: CUSTOMER,
      from: OURS,
      text: "已为您转接人工客服",
      replyContext: { keyword: "opt_out" },
    });
    await expect(notice).rejects.toThrow("recipient opted out");
    expect(sent).toHaveLength(1);
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
        { channel: "twilio", state, settings: full, now: () => new Date(clock) },
      );
    const optOut = () =>
      state.data.get(`twilio:optout:${OURS}:${CUSTOMER}`) as { optedOut: boolean } | undefined;
    /** The worker's side: answers the keyword events a delivery queued (as SQS would hand them over). */
    const answer = async (outcome: WebhookOutcome) => {
      if (outcome.kind !== "enqueue") return;
      for (const m of outcome.messages) if (m.event === KEYWORD_EVENT) await answerKeyword(outbound, m);
    };
    return { state, sent, deliver, answer, optOut, advance: (ms: number) => (clock += ms) };
  }

  it("never lets an old START, replayed after the queue's deduplication window, re-subscribe the customer", async () => {
    const { deliver, optOut, advance } = twilio();
    await deliver("STOP", "SM-stop-1");
    advance(60_000);
    await deliver("START", "SM-start");
    advance(60_000);
    await deliver("STOP", "SM-stop-2");
    expect(optOut()?.optedOut).toBe(true);
    // Eight days on (the queue forgot SM-start after five minutes), someone posts its signed request again.
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
    const { sent, deliver, answer, advance } = twilio({ keywordReplies: "kefu" }, { failingSends: 1 });
    // The worker's first send fails; SQS hands the keyword event over again and it is confirmed once.
    const stop = await deliver("STOP", "SM-stop");
    await expect(answer(stop)).rejects.toThrow("Twilio is down");
    await answer(stop);
    await answer(stop);
    advance(3_000);
    await answer(await deliver("STOP", "SM-stop")); // Twilio retrying the same STOP
    advance(3_000);
    await answer(await deliver("START", "SM-start"));
    advance(3_000);
    await answer(await deliver("STOP", "SM-stop")); // a late retry of the older STOP: not applied, not confirmed
    await answer(await deliver("STOP", "SM-old", T0 - 60_000)); // older than the START: neither
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
  it("is answered by the worker with the AI disclosure and how to opt out when Kefu answers keywords", async () => {
    const { route, deliver, inbound, sent } = setup({ keywordReplies: "kefu" });
    const help = await route(inbound("HELP"));
    expect(help.kind === "enqueue" && help.messages[0]).toMatchObject({
      kind: "event",
      event: KEYWORD_EVENT,
      replyContext: { keyword: "help" },
    });
    expect(sent).toHaveLength(0);
    await deliver(inbound("HELP"));
    expect(sent[0]?.body).toContain("AI");
    expect(sent[0]?.body).toContain("STOP");
    await deliver(inbound("帮助"));
    expect(sent[1]?.body).toContain("AI");
    expect(sent[1]?.body).toContain("TD");
  });

  it("is left to the platform by default, and is never queued for the FAQ engine", async () => {
    const { route, inbound, sent } = setup();
    expect((await route(inbound("help"))).kind).toBe("respond");
    expect(sent).toHaveLength(0);
  });

  it("is not answered to an opted-out number", async () => {
    const { route, deliver, inbound, sent } = setup({ keywordReplies: "kefu" });
    await deliver(inbound("STOP"));
    expect((await route(inbound("HELP"))).kind).toBe("respond");
    expect(sent).toHaveLength(1);
  });
});

describe("MORE", () => {
  const long = "退款将在审核通过后五个工作日内原路退回您的支付账户。".repeat(12);

  it("sends a long answer in parts: the first with the reply, the next ones on MORE, once each", async () => {
    const { route, deliver, inbound, reply, sent, state } = setup();
    await reply(long);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body.endsWith("回复 MORE 查看更多")).toBe(true);
    expect(state.ttls.get(`sms:more:sms:${OURS}:${CUSTOMER}`)).toBe(24 * 3600);

    const more = inbound("MORE", "in-more-1");
    const outcome = await route(more);
    expect(outcome.kind === "enqueue" && outcome.messages[0]?.replyContext).toEqual({ keyword: "more" });
    expect(sent).toHaveLength(1);
    await deliver(more);
    await deliver(more); // the platform's retry of the same delivery
    expect(sent).toHaveLength(2);

    let guard = 0;
    while (sent.at(-1)?.body.endsWith("回复 MORE 查看更多") && guard++ < 10) await deliver(inbound("更多"));
    const text = sent.map((s) => s.body.replace("\n回复 MORE 查看更多", "")).join("");
    expect(text).toBe(long);

    // Everything was sent: MORE is still the channel's keyword, never a question for the bot.
    const last = await route(inbound("more"));
    expect(last.kind === "enqueue" && last.messages[0]?.kind).toBe("event");
  });

  it("says there is nothing more for a MORE whose remainder an earlier MORE already took", async () => {
    const { route, answer, inbound, reply, sent } = setup();
    await reply(long);
    const first = await route(inbound("MORE"));
    const second = await route(inbound("MORE"));
    await answer(first);
    await answer(second);
    expect(sent).toHaveLength(3);
    expect(sent.at(-1)?.body).toBe(SMS_TEXTS.en.nothingMore);
  });

  it("starts over with the newest answer: an old remainder is not sent after a new reply", async () => {
    const { route, inbound, reply, sent } = setup();
    await reply(long);
    await reply("Short answer.");
    const more = await route(inbound("MORE"));
    expect(more.kind === "enqueue" && more.messages[0]?.kind).toBe("event");
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

/** The worker's keyword step without its inspection (tested in the pipeline's tests): the answer, sent. */
async function answerKeyword(outbound: SmsOutbound, message: InboundMessage): Promise<void> {
  const reply = await outbound.keywordAnswer(message);
  if (reply) await outbound.send(reply);
}
