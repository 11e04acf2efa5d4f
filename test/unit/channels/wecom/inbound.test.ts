import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { WebhookOutcome, WebhookRequest } from "../../../../shared/channels/ports";
import type { WeComCredentials } from "../../../../shared/channels/wecom/credentials";
import { createWeComInbound } from "../../../../shared/channels/wecom/inbound";
import { encryptMessage, wechatSignature } from "../../../../shared/channels/weixin/crypto";
import {
  MalformedRequestError,
  PayloadTooLargeError,
  SignatureError,
  StaleTimestampError,
} from "../../../../shared/core/errors";
import { MESSAGE_LIMITS } from "../../../../shared/core/message";

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/wecom/${name}`, import.meta.url), "utf8");

const credentials: WeComCredentials = {
  KEFU_WECOM_TOKEN: "kefu-test-token",
  KEFU_WECOM_AES_KEY: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  KEFU_WECOM_CORP_ID: "ww1234567890abcdef",
  KEFU_WECOM_AGENT_ID: "1000002",
  KEFU_WECOM_SECRET: "secret",
};
const NOW = new Date("2026-03-01T08:00:00Z");
const TS = String(NOW.getTime() / 1000);
const NONCE = "1372623149";
const adapter = createWeComInbound({ credentials, timestampWindowSeconds: 300, maxBodyBytes: 64 * 1024 });

/** The app adapter answers synchronously; a promise here would be a regression. */
function handle(request: WebhookRequest): WebhookOutcome {
  const outcome = adapter.handle(request);
  if (outcome instanceof Promise) throw new Error("expected a synchronous outcome");
  return outcome;
}

function request(over: Partial<WebhookRequest>): WebhookRequest {
  return {
    method: "POST",
    path: "/webhooks/wecom",
    query: {},
    rawQueryString: "",
    headers: { "content-type": "text/xml" },
    body: "",
    receivedAt: NOW,
    ...over,
  };
}

/** A push as WeCom sends it: inner XML encrypted for a CorpID, msg_signature over the ciphertext. */
function push(inner: string, options: { corpId?: string; timestamp?: string; token?: string } = {}) {
  const timestamp = options.timestamp ?? TS;
  const encrypted = encryptMessage(
    credentials.KEFU_WECOM_AES_KEY,
    inner,
    options.corpId ?? credentials.KEFU_WECOM_CORP_ID,
  );
  const signature = wechatSignature(
    options.token ?? credentials.KEFU_WECOM_TOKEN,
    timestamp,
    NONCE,
    encrypted,
  );
  const query = { msg_signature: signature, timestamp, nonce: NONCE };
  return request({
    query,
    rawQueryString: new URLSearchParams(query).toString(),
    body: `<xml><ToUserName><![CDATA[${credentials.KEFU_WECOM_CORP_ID}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
  });
}

describe("WeCom app URL check", () => {
  it("answers the plaintext for a GET whose echostr holds + and /", () => {
    // Random bytes chosen so the ciphertext contains both characters that URL-encoding changes.
    let echostr = "";
    let plain = "";
    for (let i = 0; !(echostr.includes("+") && echostr.includes("/")); i++) {
      plain = `echo-${i}`;
      echostr = encryptMessage(credentials.KEFU_WECOM_AES_KEY, plain, credentials.KEFU_WECOM_CORP_ID);
    }
    const query = {
      msg_signature: wechatSignature(credentials.KEFU_WECOM_TOKEN, TS, NONCE, echostr),
      timestamp: TS,
      nonce: NONCE,
      echostr,
    };
    const raw = new URLSearchParams(query).toString();
    const outcome = handle(
      request({ method: "GET", query: Object.fromEntries(new URLSearchParams(raw)), rawQueryString: raw }),
    );
    expect(outcome).toMatchObject({ kind: "respond", response: { status: 200, body: plain } });
  });

  it("refuses a URL check with a wrong signature", () => {
    const echostr = encryptMessage(credentials.KEFU_WECOM_AES_KEY, "x", credentials.KEFU_WECOM_CORP_ID);
    const query = { msg_signature: "0".repeat(40), timestamp: TS, nonce: NONCE, echostr };
    expect(() =>
      handle(request({ method: "GET", query, rawQueryString: new URLSearchParams(query).toString() })),
    ).toThrow(SignatureError);
  });
});

describe("WeCom app pushes", () => {
  it("normalises a text message with the conversation key of corp, agent and member", () => {
    const outcome = handle(push(fixture("text.xml")));
    expect(outcome.kind).toBe("enqueue");
    if (outcome.kind !== "enqueue") return;
    expect(outcome.ack).toMatchObject({ status: 200, body: "" });
    expect(outcome.messages).toEqual([
      expect.objectContaining({
        id: "1234567890123456789",
        channel: "wecom",
        conversationKey: "wecom:ww1234567890abcdef:1000002:ZhangSan",
        sender: { id: "ZhangSan" },
        kind: "text",
        text: "**退货** 怎么办理？",
        receivedAt: "2012-09-28T11:31:00.000Z",
      }),
    ]);
  });

  it("normalises image and voice as media with their MediaId", () => {
    const image = handle(push(fixture("image.xml")));
    const voice = handle(push(fixture("voice.xml")));
    expect(image).toMatchObject({
      messages: [
        { kind: "media", attachments: [{ type: "image", ref: "media_id", url: expect.any(String) }] },
      ],
    });
    expect(voice).toMatchObject({
      messages: [
        { kind: "media", attachments: [{ type: "voice", ref: "media_id", contentType: "audio/amr" }] },
      ],
    });
  });

  it("turns enter_agent into the greeting event, at most once a day per member", () => {
    const first = handle(push(fixture("event-enter-agent.xml")));
    const later = handle(push(fixture("event-enter-agent.xml").replace("1408091189", "1408098000")));
    const nextDay = handle(
      push(fixture("event-enter-agent.xml").replace("1408091189", String(1408091189 + 86_400))),
    );
    if (first.kind !== "enqueue" || later.kind !== "enqueue" || nextDay.kind !== "enqueue") {
      throw new Error("expected enqueue outcomes");
    }
    expect(first.messages[0]).toMatchObject({ kind: "event", event: "enter_chat" });
    expect(later.messages[0]?.id).toBe(first.messages[0]?.id);
    expect(nextDay.messages[0]?.id).not.toBe(first.messages[0]?.id);
  });

  it("acknowledges events it does not act on without queueing them", () => {
    expect(handle(push(fixture("event-location.xml")))).toMatchObject({
      kind: "respond",
      response: { status: 200 },
    });
  });

  it("refuses a push for another app of the corp", () => {
    expect(() => handle(push(fixture("text.xml").replace("1000002", "1000003")))).toThrow(
      MalformedRequestError,
    );
  });
});

describe("bad requests", () => {
  it("refuses a bad msg_signature", () => {
    expect(() => handle(push(fixture("text.xml"), { token: "another-token" }))).toThrow(SignatureError);
  });

  it("refuses a stale timestamp even when correctly signed", () => {
    expect(() => handle(push(fixture("text.xml"), { timestamp: String(Number(TS) - 301) }))).toThrow(
      StaleTimestampError,
    );
  });

  it("refuses a message encrypted for another CorpID", () => {
    expect(() => handle(push(fixture("text.xml"), { corpId: "wwsomeoneelse" }))).toThrow(SignatureError);
  });

  it("refuses malformed XML, and XML with a DOCTYPE", () => {
    const query = { msg_signature: "x", timestamp: TS, nonce: NONCE };
    expect(() => handle(request({ query, body: "<xml><Encrypt>" }))).toThrow(MalformedRequestError);
    expect(() =>
      handle(request({ query, body: '<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>' })),
    ).toThrow(MalformedRequestError);
  });

  it("refuses decrypted plaintext that is not a message", () => {
    expect(() => handle(push("<xml><FromUserName>a</FromUserName></xml>"))).toThrow(MalformedRequestError);
    expect(() => handle(push("not xml at all"))).toThrow(MalformedRequestError);
  });

  it("refuses a push whose fields break the message's limits as malformed (400), not as a fault", () => {
    const longUrl = `https://wework.qpic.cn/${"a".repeat(MESSAGE_LIMITS.attachmentUrlChars)}`;
    const image = fixture("image.xml").replace("https://wework.qpic.cn/this_is_a_url", longUrl);
    expect(() => handle(push(image))).toThrow(MalformedRequestError);
  });

  it("refuses an oversized body before reading it", () => {
    const small = createWeComInbound({ credentials, timestampWindowSeconds: 300, maxBodyBytes: 100 });
    expect(() => small.handle(push(fixture("text.xml")))).toThrow(PayloadTooLargeError);
  });
});
