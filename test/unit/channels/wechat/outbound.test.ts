import { describe, expect, it } from "vitest";
import { DeliveryUnknownError } from "../../../../shared/channels/http";
import type { AccessTokenProvider } from "../../../../shared/channels/ports";
import { createSharedTokenProvider } from "../../../../shared/channels/tokens";
import type { WeChatCredentials } from "../../../../shared/channels/wechat/credentials";
import { createWeChatOutbound, WECHAT_TEXT_MAX_BYTES } from "../../../../shared/channels/wechat/outbound";
import { BUDGET, Deadline } from "../../../../shared/core/deadline";
import { ChannelApiError } from "../../../../shared/core/errors";
import type { OutboundMessage } from "../../../../shared/core/message";
import { memoryTokenStore } from "../../../../shared/stores/memory";

const credentials: WeChatCredentials = {
  KEFU_WECHAT_TOKEN: "kefu-test-token",
  KEFU_WECHAT_AES_KEY: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  KEFU_WECHAT_APP_ID: "wxkefutest000001",
  KEFU_WECHAT_APP_SECRET: "s3cret&value",
};
const API = "https://api.example.test";

interface Call {
  url: URL;
  method: string;
  body: unknown;
}

type Reply = { status?: number; json?: unknown; text?: string } | Error;

/** A fetch that records calls and answers from a script, one reply per call. */
function scriptedFetch(replies: Reply[]) {
  const calls: Call[] = [];
  const fake = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    calls.push({
      url,
      method: init?.method ?? "GET",
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
    });
    const reply = replies.shift();
    if (!reply) throw new Error("unexpected call");
    if (reply instanceof Error) throw reply;
    const body = reply.text ?? JSON.stringify(reply.json ?? { errcode: 0, errmsg: "ok" });
    return new Response(body, {
      status: reply.status ?? 200,
      headers: { "content-type": "application/json" },
    });
  }) as typeof fetch;
  return { fetch: fake, calls };
}

/** Hands out token-1, token-2… and records invalidations. */
function countingTokens(): AccessTokenProvider & { invalidated: string[] } {
  let n = 1;
  let current = "token-1";
  const invalidated: string[] = [];
  return {
    invalidated,
    async get() {
      return current;
    },
    async invalidate(token: string) {
      invalidated.push(token);
      if (token === current) current = `token-${++n}`;
    },
  };
}

const message = (text: string): OutboundMessage => ({
  channel: "wechat",
  conversationKey: "wechat:gh_1:openid-1",
  to: "openid-1",
  text,
  replyContext: {},
});

function setup(replies: Reply[], attempts = 3) {
  const { fetch, calls } = scriptedFetch(replies);
  const tokens = countingTokens();
  const delays: number[] = [];
  const adapter = createWeChatOutbound({
    credentials,
    apiBase: API,
    tokens,
    fetch,
    retry: { attempts, baseDelayMs: 100 },
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
  return { adapter, calls, tokens, delays };
}

async function failure(p: Promise<unknown>): Promise<ChannelApiError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ChannelApiError)) throw new Error(`expected ChannelApiError, got ${String(error)}`);
  return error;
}

describe("sending", () => {
  it("posts a customer-service text message with the access token", async () => {
    const { adapter, calls } = setup([{ json: { errcode: 0, errmsg: "ok" } }]);
    await adapter.send(message("您好，**退款**将在 3 个工作日内到账。"));
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.method).toBe("POST");
    expect(`${call?.url.origin}${call?.url.pathname}`).toBe(`${API}/cgi-bin/message/custom/send`);
    expect(call?.url.searchParams.get("access_token")).toBe("token-1");
    expect(call?.body).toEqual({
      touser: "openid-1",
      msgtype: "text",
      text: { content: "您好，退款将在 3 个工作日内到账。" },
    });
  });

  it("sends a long reply as several parts of at most 2048 bytes, in order", async () => {
    const sentence = "您的订单已经打包完毕，预计明天送达。";
    const text = sentence.repeat(200);
    const { adapter, calls } = setup(Array.from({ length: 20 }, () => ({ json: { errcode: 0 } })));
    await adapter.send(message(text));
    const contents = calls.map((c) => (c.body as { text: { content: string } }).text.content);
    expect(contents.length).toBe(adapter.render(text).length);
    expect(contents.length).toBeGreaterThan(1);
    for (const c of contents) {
      expect(Buffer.byteLength(c)).toBeLessThanOrEqual(WECHAT_TEXT_MAX_BYTES);
      expect(c.endsWith("。")).toBe(true);
    }
    expect(contents.join("")).toBe(text);
  });

  it("keeps an API base's path prefix (the local simulator's)", async () => {
    const { fetch, calls } = scriptedFetch([{ json: { errcode: 0 } }]);
    const adapter = createWeChatOutbound({
      credentials,
      apiBase: "http://127.0.0.1:9999/sim/wechat/",
      tokens: countingTokens(),
      fetch,
    });
    await adapter.send(message("hi"));
    expect(calls[0]?.url.pathname).toBe("/sim/wechat/cgi-bin/message/custom/send");
  });
});

describe("failures", () => {
  it("on an expired or invalid token, invalidates it and retries once at once with a fresh one", async () => {
    for (const errcode of [40001, 40014, 42001]) {
      const { adapter, calls, tokens, delays } = setup([
        { json: { errcode, errmsg: "invalid credential" } },
        {},
      ]);
      await adapter.send(message("hi"));
      expect(tokens.invalidated).toEqual(["token-1"]);
      expect(calls.map((c) => c.url.searchParams.get("access_token"))).toEqual(["token-1", "token-2"]);
      expect(delays).toEqual([]);
    }
  });

  it("does not loop on tokens: a fresh token refused again ends retryable after the bounded attempts", async () => {
    const refused = { json: { errcode: 40001, errmsg: "invalid credential" } };
    const { adapter, calls } = setup([refused, refused, refused, refused, refused, refused]);
    const error = await failure(adapter.send(message("hi")));
    expect(error.retryable).toBe(true);
    expect(calls).toHaveLength(4);
  });

  it("backs off exponentially on system busy, rate limits, 5xx and network errors, then succeeds", async () => {
    const { adapter, calls, delays } = setup(
      [{ json: { errcode: -1, errmsg: "system error" } }, { status: 502, text: "bad gateway" }, {}],
      3,
    );
    await adapter.send(message("hi"));
    expect(calls).toHaveLength(3);
    expect(delays).toEqual([100, 200]);

    const net = setup([
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      }),
      { json: { errcode: 45009, errmsg: "reach max api daily quota limit" } },
      {},
    ]);
    await net.adapter.send(message("hi"));
    expect(net.calls).toHaveLength(3);
  });

  it("gives up after the bounded attempts with a retryable error, so the message stays queued", async () => {
    const busy = { json: { errcode: -1, errmsg: "system error" } };
    const { adapter, calls, delays } = setup([busy, busy, busy, busy]);
    const error = await failure(adapter.send(message("hi")));
    expect(error.retryable).toBe(true);
    expect(calls).toHaveLength(3);
    expect(delays).toEqual([100, 200]);
  });

  it("fails at once, not retryable, on errors retrying cannot fix, without the message text", async () => {
    for (const errcode of [45015, 40003, 45047]) {
      const { adapter, calls } = setup([{ json: { errcode, errmsg: "response out of time limit" } }]);
      const error = await failure(adapter.send(message("我的手机号是 13800138000")));
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(String(errcode));
      expect(error.message).not.toContain("13800138000");
      expect(calls).toHaveLength(1);
    }
  });

  it("treats HTTP 4xx as final and a non-JSON 200 as transient, never putting the token in messages", async () => {
    const notFound = setup([{ status: 404, text: "not found" }]);
    const error = await failure(notFound.adapter.send(message("hi")));
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain("token-1");

    const html = setup([{ text: "<html>gateway</html>" }, {}]);
    await html.adapter.send(message("hi"));
    expect(html.calls).toHaveLength(2);
  });

  it("stops at the first failed part: later parts are not sent", async () => {
    const text = "第一段内容。".repeat(400);
    const { adapter, calls } = setup([{}, { json: { errcode: 45015 } }, {}, {}]);
    await failure(adapter.send(message(text)));
    expect(calls).toHaveLength(2);
  });
});

describe("render", () => {
  it("strips markdown and splits by bytes", () => {
    const { adapter } = setup([]);
    expect(adapter.render("## 标题\n\n- **一**\n- [链接](https://x.cn)")).toEqual([
      "标题\n\n• 一\n• 链接 (https://x.cn)",
    ]);
    expect(adapter.render("   ")).toEqual([]);
  });
});

describe("access token", () => {
  it("given a provider factory, shares one token between sends and refreshes it after a token error", async () => {
    const store = memoryTokenStore();
    const { fetch, calls } = scriptedFetch([
      { json: { access_token: "T1", expires_in: 7200 } },
      {},
      {},
      { json: { errcode: 42001, errmsg: "access_token expired" } },
      { json: { access_token: "T2", expires_in: 7200 } },
      {},
    ]);
    const names: string[] = [];
    const adapter = createWeChatOutbound({
      credentials,
      apiBase: API,
      fetch,
      tokens: {
        tokenProvider: (name, fetchToken) => {
          names.push(name);
          return createSharedTokenProvider({ name, fetchToken, store });
        },
      },
    });
    await adapter.send(message("one"));
    await adapter.send(message("two"));
    await adapter.send(message("three"));
    expect(names).toEqual(["wechat:wxkefutest000001"]);
    expect(calls.map((c) => c.url.pathname)).toEqual([
      "/cgi-bin/token",
      "/cgi-bin/message/custom/send",
      "/cgi-bin/message/custom/send",
      "/cgi-bin/message/custom/send",
      "/cgi-bin/token",
      "/cgi-bin/message/custom/send",
    ]);
    expect(calls[5]?.url.searchParams.get("access_token")).toBe("T2");
  });
});

describe("multi-part replies across attempts", () => {
  const text = "您的订单已经打包完毕，预计明天送达。".repeat(200);

  it("reports each part as it is sent, and a later attempt resumes after the last one reported", async () => {
    const busy = { json: { errcode: -1, errmsg: "system error" } };
    const first = setup([{}, busy, busy, busy]);
    const parts = first.adapter.render(text);
    expect(parts.length).toBeGreaterThan(2);
    const reported: string[] = [];
    const options = {
      partsSent: 0,
      async onPartSent(sent: number, total: number) {
        reported.push(`${sent}/${total}`);
        options.partsSent = sent;
      },
    };
    await failure(first.adapter.send(message(text), options));
    expect(reported).toEqual([`1/${parts.length}`]);

    const second = setup(parts.map(() => ({})));
    await second.adapter.send(message(text), options);
    const contents = second.calls.map((c) => (c.body as { text: { content: string } }).text.content);
    expect(contents).toEqual(parts.slice(1));
    expect(reported.at(-1)).toBe(`${parts.length}/${parts.length}`);
  });
});

describe("the message's deadline", () => {
  it("times a hanging call out within the deadline and starts no retry that could not finish", async () => {
    const calls: string[] = [];
    const hanging = (async (_input: string | URL | Request, init?: RequestInit) => {
      calls.push("call");
      return new Promise<Response>((_, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true });
      });
    }) as typeof fetch;
    const adapter = createWeChatOutbound({
      credentials,
      apiBase: API,
      tokens: countingTokens(),
      fetch: hanging,
    });
    // Time for one part to start, not for a second attempt after it times out.
    const deadline = Deadline.in(BUDGET.partStartMs + 200);
    const error = await adapter.send(message("hi"), { deadline }).catch((e: unknown) => e);
    // Timed out after the request went out: WeChat may have delivered it, so it is not sent again at once.
    expect(error).toBeInstanceOf(DeliveryUnknownError);
    expect(calls).toEqual(["call"]);
  });

  it("does not send a part again at once after an attempt whose answer never came", async () => {
    const reset = new TypeError("fetch failed", {
      cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    });
    const { adapter, calls } = setup([reset, {}, {}], 3);
    const error = await adapter.send(message("hi")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryUnknownError);
    expect((error as DeliveryUnknownError).retryable).toBe(true);
    expect(calls).toHaveLength(1);
  });
});
