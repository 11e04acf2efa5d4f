import { describe, expect, it } from "vitest";
import { createSharedTokenProvider } from "../../../../shared/channels/tokens";
import type { WeComCredentials } from "../../../../shared/channels/wecom/credentials";
import {
  createWeComOutbound,
  duplicateCheckInterval,
  WECOM_TEXT_MAX_BYTES,
} from "../../../../shared/channels/wecom/outbound";
import { ChannelApiError } from "../../../../shared/core/errors";
import type { OutboundMessage } from "../../../../shared/core/message";
import { memoryTokenStore } from "../../../../shared/stores/memory";

const credentials: WeComCredentials = {
  KEFU_WECOM_TOKEN: "kefu-test-token",
  KEFU_WECOM_AES_KEY: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  KEFU_WECOM_CORP_ID: "ww1234567890abcdef",
  KEFU_WECOM_AGENT_ID: "1000002",
  KEFU_WECOM_SECRET: "s3cret&value",
};
const API = "https://qyapi.example.test";

type Reply = { status?: number; json?: unknown } | Error;
interface Call {
  url: URL;
  body: Record<string, unknown> | undefined;
}

function scriptedFetch(replies: Reply[]) {
  const calls: Call[] = [];
  const fake = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    calls.push({ url, body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined });
    const reply = replies.shift();
    if (!reply) throw new Error("unexpected call");
    if (reply instanceof Error) throw reply;
    return new Response(JSON.stringify(reply.json ?? { errcode: 0, errmsg: "ok" }), {
      status: reply.status ?? 200,
      headers: { "content-type": "application/json" },
    });
  }) as typeof fetch;
  return { fetch: fake, calls };
}

const message: OutboundMessage = {
  channel: "wecom",
  conversationKey: "wecom:ww1234567890abcdef:1000002:ZhangSan",
  to: "ZhangSan",
  text: "## 退货\n**七天**无理由退货，详见 [说明](https://example.com/returns)。",
  replyContext: {},
};

function adapterWith(replies: Reply[]) {
  const scripted = scriptedFetch(replies);
  const tokens = {
    tokenProvider: (_name: string, fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>) =>
      createSharedTokenProvider({ name: _name, fetchToken, store: memoryTokenStore() }),
  };
  const adapter = createWeComOutbound({
    credentials,
    apiBase: API,
    tokens,
    fetch: scripted.fetch,
    sleep: async () => {},
  });
  return { adapter, calls: scripted.calls };
}

const token = (t: string) => ({ json: { errcode: 0, errmsg: "ok", access_token: t, expires_in: 7200 } });

describe("WeCom app sending", () => {
  it("fetches the app token with corpid and corpsecret, then sends plain text with the numeric agentid", async () => {
    const { adapter, calls } = adapterWith([token("T1"), {}]);
    await adapter.send(message);
    expect(calls[0]?.url.pathname).toBe("/cgi-bin/gettoken");
    expect(calls[0]?.url.searchParams.get("corpid")).toBe("ww1234567890abcdef");
    expect(calls[0]?.url.searchParams.get("corpsecret")).toBe("s3cret&value");
    expect(calls[1]?.url.pathname).toBe("/cgi-bin/message/send");
    expect(calls[1]?.url.searchParams.get("access_token")).toBe("T1");
    expect(calls[1]?.body).toEqual({
      touser: "ZhangSan",
      msgtype: "text",
      agentid: 1000002,
      text: { content: "退货\n七天无理由退货，详见 说明 (https://example.com/returns)。" },
      safe: 0,
      enable_duplicate_check: 1,
      duplicate_check_interval: duplicateCheckInterval(message, 0),
    });
  });

  it("has WeCom drop a repeated request, so a send whose answer never came is tried again at once", async () => {
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    const { adapter, calls } = adapterWith([token("T1"), timeout, {}]);
    await adapter.send(message);
    const sends = calls.filter((c) => c.url.pathname === "/cgi-bin/message/send").map((c) => c.body);
    // The repeat is the very same request, which WeCom's duplicate check does not deliver twice.
    expect(sends).toHaveLength(2);
    expect(sends[1]).toEqual(sends[0]);
    expect(sends[0]).toMatchObject({ enable_duplicate_check: 1 });
    // Between 30 minutes and an hour (WeCom allows 4 hours); another message's reply, another interval.
    const interval = duplicateCheckInterval(message, 0);
    expect(interval).toBeGreaterThanOrEqual(1800);
    expect(interval).toBeLessThan(3600);
    const intervals = new Set(
      Array.from({ length: 20 }, (_, i) => duplicateCheckInterval({ ...message, inReplyTo: `m-${i}` }, 0)),
    );
    expect(intervals.size).toBeGreaterThan(15);
  });

  it("invalidates a refused token (40014, 42001) and retries once at once with a fresh one", async () => {
    const { adapter, calls } = adapterWith([token("T1"), { json: { errcode: 42001 } }, token("T2"), {}]);
    await adapter.send(message);
    expect(calls.map((c) => c.url.searchParams.get("access_token"))).toEqual([null, "T1", null, "T2"]);
  });

  it("retries system busy and then succeeds", async () => {
    const { adapter, calls } = adapterWith([token("T1"), { json: { errcode: -1 } }, {}]);
    await adapter.send(message);
    expect(calls).toHaveLength(3);
  });

  it("gives up on a member outside the app's range without retrying", async () => {
    const { adapter } = adapterWith([token("T1"), { json: { errcode: 0, invaliduser: "ZhangSan" } }]);
    await expect(adapter.send(message)).rejects.toMatchObject({ retryable: false });
  });

  it("reports other refusals as not retryable, and server errors as retryable", async () => {
    const refused = adapterWith([
      token("T1"),
      { json: { errcode: 60020, errmsg: "not allow to access from your ip" } },
    ]);
    await expect(refused.adapter.send(message)).rejects.toMatchObject({ retryable: false });
    const down = adapterWith([token("T1"), { status: 502 }, { status: 502 }, { status: 502 }]);
    const error = await down.adapter.send(message).catch((e) => e);
    expect(error).toBeInstanceOf(ChannelApiError);
    expect(error.retryable).toBe(true);
  });
});

describe("WeCom app rendering", () => {
  it("strips markdown and splits at 2048 UTF-8 bytes", () => {
    const { adapter } = adapterWith([]);
    const parts = adapter.render(`**重要**：${"退货政策说明。".repeat(400)}`);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts)
      expect(Buffer.byteLength(part, "utf8")).toBeLessThanOrEqual(WECOM_TEXT_MAX_BYTES);
    expect(parts[0]?.startsWith("重要：")).toBe(true);
    expect(parts.join("")).not.toContain("**");
  });
});
