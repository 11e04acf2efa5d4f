import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { acceptWebhook } from "../../../../shared/channels/ingress";
import type { ChannelStateStore, WebhookRequest } from "../../../../shared/channels/ports";
import type { WeComKfCredentials } from "../../../../shared/channels/wecom-kf/credentials";
import { createWeComKfInbound, cursorKey } from "../../../../shared/channels/wecom-kf/inbound";
import type { KfMessage } from "../../../../shared/channels/wecom-kf/normalise";
import { type ApiBody, WeComApiError, type WeixinClient } from "../../../../shared/channels/weixin/api";
import { encryptMessage, wechatSignature } from "../../../../shared/channels/weixin/crypto";
import {
  ChannelApiError,
  MalformedRequestError,
  PayloadTooLargeError,
  SignatureError,
  StaleTimestampError,
} from "../../../../shared/core/errors";
import type { InboundMessage } from "../../../../shared/core/message";
import { memoryFifoQueue } from "../../../support/fakes";

const fixtureText = (name: string) =>
  readFileSync(new URL(`../../../fixtures/wecom-kf/${name}`, import.meta.url), "utf8");
const entries: Record<string, KfMessage> = JSON.parse(fixtureText("sync-msg-entries.json"));

const credentials: WeComKfCredentials = {
  KEFU_WECOM_KF_TOKEN: "kefu-kf-token",
  KEFU_WECOM_KF_AES_KEY: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  KEFU_WECOM_KF_CORP_ID: "ww12345678910",
  KEFU_WECOM_KF_SECRET: "secret",
};
const NOW = new Date("2026-03-01T08:00:00Z");
const NOW_S = NOW.getTime() / 1000;
const NONCE = "415670741";
const OPEN_KFID = "wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q";
const KEY = cursorKey(credentials.KEFU_WECOM_KF_CORP_ID, OPEN_KFID);

function callback(options: { corpId?: string; timestamp?: string; token?: string; inner?: string } = {}) {
  const timestamp = options.timestamp ?? String(NOW_S);
  const inner = options.inner ?? fixtureText("callback.xml");
  const encrypted = encryptMessage(
    credentials.KEFU_WECOM_KF_AES_KEY,
    inner,
    options.corpId ?? credentials.KEFU_WECOM_KF_CORP_ID,
  );
  const signature = wechatSignature(
    options.token ?? credentials.KEFU_WECOM_KF_TOKEN,
    timestamp,
    NONCE,
    encrypted,
  );
  const query = { msg_signature: signature, timestamp, nonce: NONCE };
  const request: WebhookRequest = {
    method: "POST",
    path: "/webhooks/wecom-kf",
    query,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { "content-type": "text/xml" },
    body: `<xml><ToUserName><![CDATA[ww12345678910]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`,
    receivedAt: NOW,
  };
  return request;
}

/** A customer text entry, fresh. */
function text(n: number, user = "wmUser"): KfMessage {
  return {
    msgid: `msg-${n}`,
    open_kfid: OPEN_KFID,
    external_userid: user,
    send_time: NOW_S - 5,
    origin: 3,
    msgtype: "text",
    text: { content: `question ${n}` },
  };
}

function memoryState(initial: Record<string, unknown> = {}) {
  const values = new Map<string, unknown>(Object.entries(initial));
  const puts: { key: string; value: unknown }[] = [];
  const store: ChannelStateStore = {
    async get<T>(key: string) {
      return values.get(key) as T | undefined;
    },
    async put<T>(key: string, value: T) {
      puts.push({ key, value });
      values.set(key, value);
    },
    async putIfRevision() {
      throw new Error("the 微信客服 cursor is not written conditionally");
    },
  };
  return { store, values, puts };
}

type PageReply = ApiBody | Error;

/**
 * sync_msg over a log of entries, paged by cursor "c<index>" like the platform: each call answers from
 * the cursor it is given, so re-pulls see the same entries again. `failAt` makes chosen calls throw.
 */
function syncServer(log: KfMessage[], pageSize: number, failAt: Set<number> = new Set()) {
  const requests: Record<string, unknown>[] = [];
  const client: WeixinClient = {
    async post(path, payload) {
      expect(path).toBe("/cgi-bin/kf/sync_msg");
      const body = payload as Record<string, unknown>;
      requests.push(body);
      if (failAt.has(requests.length)) throw new ChannelApiError("sync down", { retryable: true });
      const start = typeof body.cursor === "string" ? Number(body.cursor.slice(1)) : 0;
      const end = Math.min(log.length, start + pageSize);
      return {
        errcode: 0,
        next_cursor: `c${end}`,
        has_more: end < log.length ? 1 : 0,
        msg_list: log.slice(start, end),
      };
    },
  };
  return { client, requests };
}

function scriptedClient(replies: PageReply[]) {
  const requests: Record<string, unknown>[] = [];
  const client: WeixinClient = {
    async post(_path, payload) {
      requests.push(payload as Record<string, unknown>);
      const reply = replies.shift();
      if (!reply) throw new Error("unexpected call");
      if (reply instanceof Error) throw reply;
      return reply;
    },
  };
  return { client, requests };
}

function inbound(client: WeixinClient, state: ChannelStateStore, limits = {}) {
  return createWeComKfInbound({
    credentials,
    timestampWindowSeconds: 300,
    maxBodyBytes: 64 * 1024,
    state,
    client,
    limits: { pageLimit: 2, ...limits },
  });
}

describe("kf/sync_msg pulling", () => {
  it("pulls with the callback Token, the open_kfid and the stored cursor", async () => {
    const state = memoryState({ [KEY]: { cursor: "c0", skipBefore: 0 } });
    const { client, requests } = syncServer([text(1)], 2);
    const outcome = await inbound(client, state.store).handle(callback());
    expect(requests[0]).toEqual({
      cursor: "c0",
      token: "ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR",
      limit: 2,
      voice_format: 0,
      open_kfid: OPEN_KFID,
    });
    expect(outcome).toMatchObject({ kind: "enqueue", messages: [{ id: "msg-1" }], ack: { status: 200 } });
  });

  it("follows has_more through a burst of 3 pages, enqueues every message once, then stores the cursor", async () => {
    const log = [1, 2, 3, 4, 5, 6].map((n) => text(n));
    const state = memoryState({ [KEY]: { cursor: "c0", skipBefore: 0 } });
    const { client, requests } = syncServer(log, 2);
    const enqueued: string[] = [];
    const deps = {
      adapterFor: async () => inbound(client, state.store),
      enqueue: async (m: { id: string }) => {
        // The cursor must not move before the messages are stored.
        expect(state.puts).toHaveLength(0);
        enqueued.push(m.id);
      },
    };
    const result = await acceptWebhook("wecom-kf", callback(), deps);
    expect(requests).toHaveLength(3);
    expect(enqueued).toEqual(["msg-1", "msg-2", "msg-3", "msg-4", "msg-5", "msg-6"]);
    expect(result.response.status).toBe(200);
    expect(state.values.get(KEY)).toMatchObject({ cursor: "c6" });

    // WeCom retries the same callback: nothing new, nothing enqueued twice.
    const again = await acceptWebhook("wecom-kf", callback(), deps);
    expect(enqueued).toHaveLength(6);
    expect(again.messages).toEqual([]);
  });

  it("keeps the cursor when an enqueue fails, so the retry re-pulls and the queue drops what was stored", async () => {
    const log = [1, 2, 3, 4, 5, 6].map((n) => text(n));
    const state = memoryState({ [KEY]: { cursor: "c0", skipBefore: 0 } });
    const { client } = syncServer(log, 2);
    const queue = memoryFifoQueue();
    const sent: string[] = [];
    let failOn: string | undefined = "msg-4";
    const deps = {
      adapterFor: async () => inbound(client, state.store),
      enqueue: async (m: InboundMessage) => {
        sent.push(m.id);
        if (m.id === failOn) {
          failOn = undefined;
          throw new Error("SQS unavailable");
        }
        await queue.enqueue(m);
      },
    };
    await expect(acceptWebhook("wecom-kf", callback(), deps)).rejects.toMatchObject({ status: 503 });
    expect(state.values.get(KEY)).toMatchObject({ cursor: "c0" });

    await acceptWebhook("wecom-kf", callback(), deps);
    // The retry sends msg-1…3 again, under the same deduplication ids: the queue keeps each once.
    expect(sent.filter((id) => id === "msg-1")).toHaveLength(2);
    expect(queue.messages.map((m) => m.id)).toEqual(["msg-1", "msg-2", "msg-3", "msg-4", "msg-5", "msg-6"]);
    expect(state.values.get(KEY)).toMatchObject({ cursor: "c6" });
  });

  it("stores what was pulled before a page failed and asks WeCom to retry for the rest", async () => {
    const log = [1, 2, 3, 4, 5, 6].map((n) => text(n));
    const state = memoryState({ [KEY]: { cursor: "c0", skipBefore: 0 } });
    const { client } = syncServer(log, 2, new Set([2]));
    const enqueued: string[] = [];
    const deps = {
      adapterFor: async () => inbound(client, state.store),
      enqueue: async (m: { id: string }) => {
        enqueued.push(m.id);
      },
    };
    const first = await acceptWebhook("wecom-kf", callback(), deps);
    expect(first.response.status).toBe(503);
    expect(enqueued).toEqual(["msg-1", "msg-2"]);
    expect(state.values.get(KEY)).toMatchObject({ cursor: "c2" });

    const retry = await acceptWebhook("wecom-kf", callback(), deps);
    expect(retry.response.status).toBe(200);
    expect(enqueued).toEqual(["msg-1", "msg-2", "msg-3", "msg-4", "msg-5", "msg-6"]);
  });

  it("fails the callback when the first page fails, without touching the cursor", async () => {
    const state = memoryState({ [KEY]: { cursor: "c0", skipBefore: 0 } });
    const { client } = syncServer([text(1)], 2, new Set([1]));
    await expect(inbound(client, state.store).handle(callback())).rejects.toBeInstanceOf(ChannelApiError);
    expect(state.puts).toEqual([]);
  });

  it("stops at the message bound and leaves the rest to the next callback", async () => {
    const log = [1, 2, 3, 4, 5, 6].map((n) => text(n));
    const state = memoryState({ [KEY]: { cursor: "c0", skipBefore: 0 } });
    const { client, requests } = syncServer(log, 2);
    const outcome = await inbound(client, state.store, { maxMessages: 3 }).handle(callback());
    if (outcome.kind !== "enqueue") throw new Error("expected enqueue");
    expect(requests).toHaveLength(2);
    expect(outcome.messages.map((m) => m.id)).toEqual(["msg-1", "msg-2", "msg-3", "msg-4"]);
    expect(outcome.ack.status).toBe(200);
    await outcome.afterEnqueue?.();
    expect(state.values.get(KEY)).toMatchObject({ cursor: "c4" });
  });

  it("retries without the Token when WeCom refuses an expired one", async () => {
    const state = memoryState({ [KEY]: { cursor: "c0", skipBefore: 0 } });
    const { client, requests } = scriptedClient([
      new WeComApiError("invalid msg token", 95007, { retryable: false }),
      { errcode: 0, next_cursor: "c1", has_more: 0, msg_list: [text(1)] },
    ]);
    const outcome = await inbound(client, state.store).handle(callback());
    expect(requests[0]).toHaveProperty("token");
    expect(requests[1]).not.toHaveProperty("token");
    expect(outcome).toMatchObject({ messages: [{ id: "msg-1" }] });
  });

  it("on an account's first pull, skips history older than ten minutes and remembers that bound", async () => {
    const state = memoryState();
    const old = { ...text(1), send_time: NOW_S - 3600 };
    const { client } = syncServer([old, text(2)], 10);
    const outcome = await inbound(client, state.store).handle(callback());
    if (outcome.kind !== "enqueue") throw new Error("expected enqueue");
    expect(outcome.messages.map((m) => m.id)).toEqual(["msg-2"]);
    await outcome.afterEnqueue?.();
    expect(state.values.get(KEY)).toEqual({ cursor: "c2", skipBefore: NOW_S - 600 });
  });

  it("does not answer messages outside the 48-hour reply window", async () => {
    const state = memoryState({ [KEY]: { cursor: "c0", skipBefore: 0 } });
    const { client } = syncServer([{ ...text(1), send_time: NOW_S - 49 * 3600 }], 10);
    expect(await inbound(client, state.store).handle(callback())).toMatchObject({ messages: [] });
  });
});

describe("origin filtering", () => {
  it("queues customers' messages and greetable or closing events, not servicers' messages or notices", async () => {
    const fresh = Object.values(entries).map((e) => ({ ...e, send_time: NOW_S - 1 }));
    const state = memoryState({ [KEY]: { cursor: "c0", skipBefore: 0 } });
    const { client } = syncServer(fresh, 100);
    const outcome = await inbound(client, state.store).handle(callback());
    if (outcome.kind !== "enqueue") throw new Error("expected enqueue");
    const byId = Object.fromEntries(outcome.messages.map((m) => [m.id, m]));
    expect(Object.keys(byId).sort()).toEqual(
      [
        entries.customerText?.msgid,
        entries.customerImage?.msgid,
        entries.enterSession?.msgid,
        entries.sessionEnded?.msgid,
      ].sort(),
    );
    expect(byId[entries.customerText?.msgid ?? ""]).toMatchObject({
      channel: "wecom-kf",
      conversationKey: `wecom-kf:ww12345678910:${OPEN_KFID}:wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw`,
      kind: "text",
      text: "你好，我的订单什么时候发货？",
      recipient: OPEN_KFID,
      replyContext: { open_kfid: OPEN_KFID },
    });
    expect(byId[entries.customerImage?.msgid ?? ""]).toMatchObject({
      kind: "media",
      attachments: [{ type: "image", ref: "2iSLeVyqzk4eX0IB5kTi9Ljfa2rt9dwfq5WKRQ4Nvvgw" }],
    });
    expect(byId[entries.enterSession?.msgid ?? ""]).toMatchObject({
      kind: "event",
      event: "enter_session",
      replyContext: { welcome_code: "aaaaaa", open_kfid: OPEN_KFID },
    });
    expect(byId[entries.sessionEnded?.msgid ?? ""]).toMatchObject({ kind: "event", event: "session_closed" });
  });

  it("does not queue enter_session without a welcome_code (greeted already, or the customer wrote)", async () => {
    const event = { ...entries.enterSession, send_time: NOW_S, event: { ...entries.enterSession?.event } };
    delete event.event.welcome_code;
    const { client } = syncServer([event], 10);
    const state = memoryState({ [KEY]: { cursor: "c0", skipBefore: 0 } });
    expect(await inbound(client, state.store).handle(callback())).toMatchObject({ messages: [] });
  });
});

describe("bad callbacks", () => {
  const untouched = () => scriptedClient([]);

  it("refuses a bad msg_signature, a stale timestamp and a message for another CorpID before pulling", async () => {
    const { client, requests } = untouched();
    const adapter = inbound(client, memoryState().store);
    await expect(adapter.handle(callback({ token: "wrong" }))).rejects.toBeInstanceOf(SignatureError);
    await expect(adapter.handle(callback({ timestamp: String(NOW_S - 400) }))).rejects.toBeInstanceOf(
      StaleTimestampError,
    );
    await expect(adapter.handle(callback({ corpId: "wwother" }))).rejects.toThrow(/another CorpID/);
    expect(requests).toEqual([]);
  });

  it("refuses malformed XML and oversized bodies", async () => {
    const { client } = untouched();
    const adapter = inbound(client, memoryState().store);
    await expect(adapter.handle({ ...callback(), body: "<xml><Encrypt>" })).rejects.toBeInstanceOf(
      MalformedRequestError,
    );
    const small = createWeComKfInbound({
      credentials,
      timestampWindowSeconds: 300,
      maxBodyBytes: 64,
      state: memoryState().store,
      client,
    });
    await expect(small.handle(callback())).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it("acknowledges other events without pulling", async () => {
    const { client, requests } = untouched();
    const inner = fixtureText("callback.xml").replace("kf_msg_or_event", "kf_account_auth_change");
    expect(await inbound(client, memoryState().store).handle(callback({ inner }))).toMatchObject({
      kind: "respond",
      response: { status: 200 },
    });
    expect(requests).toEqual([]);
  });
});
