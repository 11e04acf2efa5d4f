import { readFileSync } from "node:fs";
import { encrypt } from "@wecom/crypto";
import { describe, expect, it } from "vitest";
import type { WebhookOutcome, WebhookRequest } from "../../../../shared/channels/ports";
import type { WeChatCredentials, WeChatEncryptionMode } from "../../../../shared/channels/wechat/credentials";
import {
  WeChatCredentialsSchema,
  wechatEncryptionMode,
} from "../../../../shared/channels/wechat/credentials";
import { createWeChatInbound, EncryptionModeError } from "../../../../shared/channels/wechat/inbound";
import { wechatSignature } from "../../../../shared/channels/weixin/crypto";
import {
  KefuError,
  MalformedRequestError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  SignatureError,
  StaleTimestampError,
} from "../../../../shared/core/errors";
import { InboundMessageSchema } from "../../../../shared/core/message";

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/wechat/${name}`, import.meta.url), "utf8");
const vectors = JSON.parse(fixture("official-vectors.json"));

const AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
/** An account with an EncodingAESKey and no mode set: safe mode. */
const credentials: WeChatCredentials = {
  KEFU_WECHAT_TOKEN: "kefu-test-token",
  KEFU_WECHAT_AES_KEY: AES_KEY,
  KEFU_WECHAT_APP_ID: "wxkefutest000001",
  KEFU_WECHAT_APP_SECRET: "secret",
};
const { KEFU_WECHAT_AES_KEY: _key, ...withoutKey } = credentials;
const NOW = new Date("2026-03-01T08:00:00Z");
const TS = String(NOW.getTime() / 1000);
const NONCE = "1514711492";
const OPENID = "oIDrpjqASyTPnxRmpS9O_ruZGsfk";

const inMode = (mode: WeChatEncryptionMode | undefined, over: Partial<WeChatCredentials> = {}) =>
  createWeChatInbound({
    credentials: { ...credentials, ...(mode ? { KEFU_WECHAT_ENCRYPTION_MODE: mode } : {}), ...over },
    timestampWindowSeconds: 300,
    maxBodyBytes: 64 * 1024,
  });
/** Parsing is tested through both kinds of push, so the shared adapter accepts both; modes have their own tests. */
const adapter = inMode("compatible");

function request(over: Partial<WebhookRequest>): WebhookRequest {
  return {
    method: "POST",
    path: "/webhooks/wechat",
    query: {},
    rawQueryString: "",
    headers: { "content-type": "text/xml" },
    body: "",
    receivedAt: NOW,
    ...over,
  };
}

/** A plaintext-mode push, signed as WeChat signs it. */
function plainPush(body: string, timestamp = TS): WebhookRequest {
  const signature = wechatSignature(credentials.KEFU_WECHAT_TOKEN, timestamp, NONCE);
  return request({ body, query: { signature, timestamp, nonce: NONCE, openid: OPENID } });
}

/** A safe-mode (or, given a template with plaintext fields, compatible-mode) push. */
function encryptedPush(
  innerXml: string,
  options: { template?: string; appId?: string; timestamp?: string } = {},
): WebhookRequest {
  const timestamp = options.timestamp ?? TS;
  const ciphertext = encrypt(AES_KEY, innerXml, options.appId ?? credentials.KEFU_WECHAT_APP_ID);
  const body = fixture(options.template ?? "safe-mode.xml").replace("{{ENCRYPT}}", ciphertext);
  const token = credentials.KEFU_WECHAT_TOKEN;
  return request({
    body,
    query: {
      signature: wechatSignature(token, timestamp, NONCE),
      timestamp,
      nonce: NONCE,
      openid: OPENID,
      encrypt_type: "aes",
      msg_signature: wechatSignature(token, timestamp, NONCE, ciphertext),
    },
  });
}

async function enqueued(req: WebhookRequest) {
  const outcome: WebhookOutcome = await adapter.handle(req);
  if (outcome.kind !== "enqueue") throw new Error(`expected enqueue, got ${outcome.kind}`);
  return outcome;
}

async function rejection(req: WebhookRequest, using = adapter): Promise<KefuError> {
  try {
    await using.handle(req);
  } catch (error) {
    if (error instanceof KefuError) return error;
    throw error;
  }
  throw new Error("expected the request to be rejected");
}

describe("GET server verification", () => {
  it("echoes echostr for the official example", async () => {
    const u = vectors.urlCheck;
    const official = createWeChatInbound({
      credentials: { ...credentials, KEFU_WECHAT_TOKEN: u.token },
      timestampWindowSeconds: 300,
      maxBodyBytes: 1024,
    });
    const outcome = await official.handle(
      request({
        method: "GET",
        query: { signature: u.signature, timestamp: u.timestamp, nonce: u.nonce, echostr: u.echostr },
        receivedAt: new Date(Number(u.timestamp) * 1000 + 2000),
      }),
    );
    expect(outcome).toEqual({
      kind: "respond",
      response: { status: 200, headers: { "content-type": "text/plain" }, body: u.echostr },
    });
  });

  it("refuses a bad signature and a stale timestamp", async () => {
    const signature = wechatSignature(credentials.KEFU_WECHAT_TOKEN, TS, NONCE);
    const bad = await rejection(
      request({
        method: "GET",
        query: { signature: "0".repeat(40), timestamp: TS, nonce: NONCE, echostr: "1" },
      }),
    );
    expect(bad).toBeInstanceOf(SignatureError);
    expect(bad.status).toBe(401);

    const stale = String(Number(TS) - 301);
    const staleSig = wechatSignature(credentials.KEFU_WECHAT_TOKEN, stale, NONCE);
    expect(
      await rejection(
        request({
          method: "GET",
          query: { signature: staleSig, timestamp: stale, nonce: NONCE, echostr: "1" },
        }),
      ),
    ).toBeInstanceOf(StaleTimestampError);

    expect(
      await rejection(request({ method: "GET", query: { signature, timestamp: TS, nonce: NONCE } })),
    ).toBeInstanceOf(MalformedRequestError);
  });
});

describe("plaintext mode", () => {
  it("verifies the official plaintext signature example", async () => {
    const p = vectors.plaintextPush;
    const official = inMode("plaintext", { KEFU_WECHAT_TOKEN: p.token });
    const outcome = await official.handle(
      request({
        body: fixture("text.xml"),
        query: { signature: p.signature, timestamp: p.timestamp, nonce: p.nonce },
        receivedAt: new Date(Number(p.timestamp) * 1000),
      }),
    );
    expect(outcome.kind).toBe("enqueue");
  });

  it("normalises a text message, keeping its 20-digit MsgId exact and acking with success", async () => {
    const outcome = await enqueued(plainPush(fixture("text.xml")));
    expect(outcome.ack).toEqual({ status: 200, headers: { "content-type": "text/plain" }, body: "success" });
    expect(outcome.messages).toHaveLength(1);
    const [message] = outcome.messages;
    expect(message).toEqual({
      id: "12345678901234567891",
      channel: "wechat",
      conversationKey: `wechat:gh_680bdefc8c5d:${OPENID}`,
      sender: { id: OPENID },
      recipient: "gh_680bdefc8c5d",
      kind: "text",
      text: "你好，我的订单什么时候发货？ <b>&amp;</b>",
      attachments: [],
      receivedAt: "2013-01-24T11:54:06.000Z",
      rawRef: "wechat:12345678901234567891",
      replyContext: { msgType: "text" },
    });
    expect(InboundMessageSchema.parse(message)).toEqual(message);
  });

  it("refuses a wrong signature, a signature for another token, and a missing one", async () => {
    const good = plainPush(fixture("text.xml"));
    const wrong = { ...good, query: { ...good.query, signature: "f".repeat(40) } };
    expect(await rejection(wrong)).toBeInstanceOf(SignatureError);
    const otherToken = { ...good, query: { ...good.query, signature: wechatSignature("other", TS, NONCE) } };
    expect(await rejection(otherToken)).toBeInstanceOf(SignatureError);
    const { signature: _s, ...noSignature } = good.query;
    expect(await rejection({ ...good, query: noSignature })).toBeInstanceOf(SignatureError);
    const { nonce: _n, ...noNonce } = good.query;
    expect(await rejection({ ...good, query: noNonce })).toBeInstanceOf(SignatureError);
  });

  it("refuses timestamps outside the window on either side, and accepts its edges", async () => {
    for (const skew of [-301, 301, -86400]) {
      const error = await rejection(plainPush(fixture("text.xml"), String(Number(TS) + skew)));
      expect(error).toBeInstanceOf(StaleTimestampError);
      expect(error.status).toBe(401);
    }
    for (const skew of [-300, 300]) {
      expect(
        (await enqueued(plainPush(fixture("text.xml"), String(Number(TS) + skew)))).messages,
      ).toHaveLength(1);
    }
    expect(await rejection(plainPush(fixture("text.xml"), "not-a-number"))).toBeInstanceOf(
      StaleTimestampError,
    );
  });
});

describe("safe and compatible modes", () => {
  it("decrypts a safe-mode push and normalises the inner message", async () => {
    const { messages } = await enqueued(encryptedPush(fixture("voice-recognition.xml")));
    expect(messages[0]).toMatchObject({ id: "1234567890123456", kind: "media", text: "腾讯微信团队" });
  });

  it("uses the encrypted copy in compatible mode, not the plaintext fields beside it", async () => {
    const { messages } = await enqueued(
      encryptedPush(fixture("text.xml"), { template: "compatible-mode.xml" }),
    );
    expect(messages[0]?.text).toBe("你好，我的订单什么时候发货？ <b>&amp;</b>");
  });

  it("refuses a wrong msg_signature, even with a valid plain signature", async () => {
    const req = encryptedPush(fixture("text.xml"));
    const tampered = { ...req, query: { ...req.query, msg_signature: req.query.signature ?? "" } };
    expect(await rejection(tampered)).toBeInstanceOf(SignatureError);
    const { msg_signature: _m, ...missing } = req.query;
    expect(await rejection({ ...req, query: missing })).toBeInstanceOf(SignatureError);
  });

  it("refuses a body whose Encrypt was swapped after signing", async () => {
    const req = encryptedPush(fixture("text.xml"));
    const other = encrypt(AES_KEY, fixture("image.xml"), credentials.KEFU_WECHAT_APP_ID);
    const body = fixture("safe-mode.xml").replace("{{ENCRYPT}}", other);
    expect(await rejection({ ...req, body })).toBeInstanceOf(SignatureError);
  });

  it("refuses a stale safe-mode push on either side", async () => {
    for (const skew of [-301, 301]) {
      const req = encryptedPush(fixture("text.xml"), { timestamp: String(Number(TS) + skew) });
      expect(await rejection(req)).toBeInstanceOf(StaleTimestampError);
    }
  });

  it("refuses a message encrypted for another AppID", async () => {
    const error = await rejection(encryptedPush(fixture("text.xml"), { appId: "wx0000000000000000" }));
    expect(error).toBeInstanceOf(SignatureError);
    expect(error.message).not.toContain("wx0000000000000000");
  });

  it("calls an encrypted push without Encrypt, or with an undecryptable one, malformed", async () => {
    const req = encryptedPush(fixture("text.xml"));
    const token = credentials.KEFU_WECHAT_TOKEN;
    const noEncrypt = "<xml><ToUserName><![CDATA[gh]]></ToUserName></xml>";
    expect(await rejection({ ...req, body: noEncrypt })).toBeInstanceOf(MalformedRequestError);

    const garbage = Buffer.alloc(64, 7).toString("base64");
    const body = fixture("safe-mode.xml").replace("{{ENCRYPT}}", garbage);
    const query = { ...req.query, msg_signature: wechatSignature(token, TS, NONCE, garbage) };
    expect(await rejection({ ...req, body, query })).toBeInstanceOf(MalformedRequestError);

    expect(await rejection({ ...req, query: { ...req.query, encrypt_type: "sm4" } })).toBeInstanceOf(
      MalformedRequestError,
    );
  });

  it("refuses a DOCTYPE smuggled inside the encrypted payload", async () => {
    const inner = `<!DOCTYPE xml [<!ENTITY a "x">]>${fixture("text.xml")}`;
    expect(await rejection(encryptedPush(inner))).toBeInstanceOf(MalformedRequestError);
  });
});

describe("encryption modes", () => {
  /**
   * The downgrade: a safe-mode push's query string carries `signature`, which covers only the token,
   * timestamp and nonce. Whoever saw one can drop `encrypt_type` and post any plaintext XML as any openid.
   */
  function downgraded(): WebhookRequest {
    const observed = encryptedPush(fixture("text.xml"));
    const { encrypt_type: _t, msg_signature: _m, ...query } = observed.query;
    const forged = fixture("text.xml").replace("你好，我的订单什么时候发货？", "forged");
    return { ...observed, query, body: forged };
  }

  it("defaults to safe when an EncodingAESKey is set, and to plaintext when not", () => {
    expect(wechatEncryptionMode(credentials)).toBe("safe");
    expect(wechatEncryptionMode(withoutKey)).toBe("plaintext");
    expect(wechatEncryptionMode({ ...credentials, KEFU_WECHAT_ENCRYPTION_MODE: "compatible" })).toBe(
      "compatible",
    );
  });

  it("refuses a plaintext push in safe mode, though its plain signature is valid", async () => {
    for (const safe of [inMode(undefined), inMode("safe")]) {
      const error = await rejection(downgraded(), safe);
      expect(error).toBeInstanceOf(EncryptionModeError);
      expect(error).toMatchObject({ status: 401, code: "encryption_mode_refused" });
      expect((await safe.handle(encryptedPush(fixture("text.xml")))).kind).toBe("enqueue");
    }
  });

  it("accepts plaintext and encrypted pushes in compatible mode, set explicitly", async () => {
    const compatible = inMode("compatible");
    expect((await compatible.handle(downgraded())).kind).toBe("enqueue");
    expect((await compatible.handle(encryptedPush(fixture("text.xml")))).kind).toBe("enqueue");
  });

  it("accepts only plaintext pushes without an EncodingAESKey", async () => {
    const plaintext = createWeChatInbound({
      credentials: withoutKey,
      timestampWindowSeconds: 300,
      maxBodyBytes: 64 * 1024,
    });
    expect((await plaintext.handle(plainPush(fixture("text.xml")))).kind).toBe("enqueue");
    const error = await rejection(encryptedPush(fixture("text.xml")), plaintext);
    expect(error).toMatchObject({ status: 401, code: "encryption_mode_refused" });
    expect(await rejection(encryptedPush(fixture("text.xml")), inMode("plaintext"))).toBeInstanceOf(
      EncryptionModeError,
    );
  });

  it("is a configuration error to ask for compatible or safe without a key", () => {
    for (const mode of ["compatible", "safe"]) {
      const parsed = WeChatCredentialsSchema.safeParse({ ...withoutKey, KEFU_WECHAT_ENCRYPTION_MODE: mode });
      expect(parsed.error?.issues.map((i) => i.path.join("."))).toEqual(["KEFU_WECHAT_AES_KEY"]);
    }
    expect(
      WeChatCredentialsSchema.safeParse({ ...credentials, KEFU_WECHAT_ENCRYPTION_MODE: "strict" }).success,
    ).toBe(false);
  });
});

describe("bad bodies", () => {
  it("refuses malformed XML and a body without the expected fields, without echoing the body", async () => {
    const secret = "我的手机号 13800138000";
    for (const body of [
      `<xml><Content>${secret}</xml>`,
      `${secret}`,
      `<xml><Content><![CDATA[${secret}]]></Content></xml>`,
      `<root><MsgType>text</MsgType></root>`,
      "",
    ]) {
      const error = await rejection(plainPush(body));
      expect(error).toBeInstanceOf(MalformedRequestError);
      expect(error.status).toBe(400);
      expect(error.message).not.toContain("13800138000");
      expect(String((error as Error & { cause?: unknown }).cause ?? "")).not.toContain("13800138000");
    }
  });

  it("refuses a text message without MsgId, and an event without Event", async () => {
    const noMsgId = fixture("text.xml").replace(/<MsgId>.*<\/MsgId>/, "");
    expect(await rejection(plainPush(noMsgId))).toBeInstanceOf(MalformedRequestError);
    const noEvent = fixture("event-subscribe.xml").replace(/<Event>.*<\/Event>/, "");
    expect(await rejection(plainPush(noEvent))).toBeInstanceOf(MalformedRequestError);
  });

  it("refuses DOCTYPE and entity declarations (billion laughs, XXE) in otherwise valid pushes", async () => {
    const text = fixture("text.xml");
    const bomb = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>${text.replace("你好", "&lol2;")}`;
    expect(await rejection(plainPush(bomb))).toBeInstanceOf(MalformedRequestError);
    const xxe = `<!doctype xml [<!entity x SYSTEM "file:///etc/passwd">]>${text.replace("你好", "&x;")}`;
    expect(await rejection(plainPush(xxe))).toBeInstanceOf(MalformedRequestError);
  });

  it("refuses a body over the limit, counted in bytes, before verifying anything", async () => {
    const body = fixture("text.xml").replace("你好", "你".repeat(40));
    // Fewer characters than the limit, more bytes: the limit must count bytes.
    const limit = body.length + 10;
    expect(Buffer.byteLength(body)).toBeGreaterThan(limit);
    const small = createWeChatInbound({ credentials, timestampWindowSeconds: 300, maxBodyBytes: limit });
    const error = await rejection(request({ body, query: {} }), small);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.status).toBe(413);
  });

  it("refuses methods other than GET and POST with 405, naming them", async () => {
    const error = await rejection({ ...plainPush(fixture("text.xml")), method: "PUT" });
    expect(error).toBeInstanceOf(MethodNotAllowedError);
    expect(error).toMatchObject({ status: 405, allowed: ["GET", "POST"] });
  });
});

describe("normalisation of each message type", () => {
  it("image: a media attachment with MediaId and PicUrl", async () => {
    const [m] = (await enqueued(plainPush(fixture("image.xml")))).messages;
    expect(m).toMatchObject({ id: "5836982871638042400", kind: "media", text: "" });
    expect(m?.attachments).toEqual([
      {
        type: "image",
        ref: "ZsbVd5Oox3W9rJwp5CqF8bdSKvj1IlY_iWFg5wJeYySiM9M-C2K3vuBVG4eYp1bE",
        url: "http://mmbiz.qpic.cn/mmbiz/L4qjYtOibummHn90t1mnaibYiaR8ljyicF3MW7XX3BLp1qZgUb7CtZ0DxqYFI4uAQH1FWs3hUicpibjF0pOqLEQyDMlg/0",
      },
    ]);
  });

  it("voice: the recognised words become the text", async () => {
    const [m] = (await enqueued(plainPush(fixture("voice-recognition.xml")))).messages;
    expect(m?.text).toBe("腾讯微信团队");
    expect(m?.attachments).toEqual([{ type: "voice", ref: "media_id", contentType: "audio/amr" }]);
  });

  it("short video: a video attachment", async () => {
    const [m] = (await enqueued(plainPush(fixture("shortvideo.xml")))).messages;
    expect(m?.attachments).toEqual([{ type: "video", ref: "media_id" }]);
  });

  it("location: the label and a geo: address", async () => {
    const [m] = (await enqueued(plainPush(fixture("location.xml")))).messages;
    expect(m?.kind).toBe("media");
    expect(m?.attachments).toEqual([{ type: "location", name: "位置信息", url: "geo:23.134521,113.358803" }]);
  });

  it("link: title and address", async () => {
    const [m] = (await enqueued(plainPush(fixture("link.xml")))).messages;
    expect(m?.attachments).toEqual([
      { type: "link", url: "https://mp.weixin.qq.com", name: "公众平台官网链接" },
    ]);
  });

  it("a type WeChat adds later is kept as an 'other' attachment rather than dropped", async () => {
    const body = fixture("text.xml").replace("[text]", "[miniprogrampage]");
    const [m] = (await enqueued(plainPush(body))).messages;
    expect(m?.kind).toBe("media");
    expect(m?.attachments[0]?.type).toBe("other");
  });

  it("subscribe and unsubscribe: events with a retry-stable id, enqueued", async () => {
    const sub = await enqueued(plainPush(fixture("event-subscribe.xml")));
    expect(sub.messages[0]).toMatchObject({
      id: "FromUser:123456789:subscribe",
      kind: "event",
      event: "subscribe",
      text: "",
      conversationKey: "wechat:toUser:FromUser",
      receivedAt: "1973-11-29T21:33:09.000Z",
    });
    const again = await enqueued(plainPush(fixture("event-subscribe.xml")));
    expect(again.messages[0]?.id).toBe(sub.messages[0]?.id);

    const unsub = await enqueued(plainPush(fixture("event-unsubscribe.xml")));
    expect(unsub.messages[0]).toMatchObject({ id: "FromUser:123456789:unsubscribe", event: "unsubscribe" });
    expect(unsub.ack.body).toBe("success");
  });

  it("menu click and scan-to-subscribe: lower-case event, EventKey and Ticket kept for the reply", async () => {
    const [click] = (await enqueued(plainPush(fixture("event-click.xml")))).messages;
    expect(click).toMatchObject({ event: "click", replyContext: { msgType: "event", eventKey: "EVENTKEY" } });
    const [scan] = (await enqueued(plainPush(fixture("event-scan-subscribe.xml")))).messages;
    expect(scan?.replyContext).toEqual({ msgType: "event", eventKey: "qrscene_123123", ticket: "TICKET" });
  });
});
