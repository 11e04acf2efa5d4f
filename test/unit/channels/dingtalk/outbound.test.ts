import { describe, expect, it } from "vitest";
import type { DingTalkCredentials } from "../../../../shared/channels/dingtalk/credentials";
import {
  allowedSessionUrl,
  createDingTalkOutbound,
  DINGTALK_PART_MAX_BYTES,
  fetchDingTalkAccessToken,
  looksLikeMarkdown,
  markdownTitle,
} from "../../../../shared/channels/dingtalk/outbound";
import { DeliveryUnknownError } from "../../../../shared/channels/http";
import type { AccessTokenProvider, FetchedToken } from "../../../../shared/channels/ports";
import { ChannelApiError } from "../../../../shared/core/errors";
import type { OutboundMessage } from "../../../../shared/core/message";

/** What fetch throws when nothing listens: the request never left, so another try cannot deliver it twice. */
const refused = () =>
  new TypeError("fetch failed", {
    cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
  });

const credentials: DingTalkCredentials = {
  KEFU_DINGTALK_APP_KEY: "dingkefutestappkey01",
  KEFU_DINGTALK_APP_SECRET: "kefu-test-app-secret",
  KEFU_DINGTALK_TOKEN: "kefu-test-token",
  KEFU_DINGTALK_AES_KEY: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
};
const API = "https://api.example.test";
const NOW = 1_700_000_000_000;
const SESSION = "https://oapi.dingtalk.com/robot/sendBySession?session=kefu0session";

interface Call {
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}
type Reply = { status?: number; json?: unknown; text?: string } | Error;

function scriptedFetch(replies: Reply[]) {
  const calls: Call[] = [];
  const fake = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({
      url: input instanceof Request ? input.url : input.toString(),
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === "string" ? JSON.parse(init.body) : {},
    });
    const reply = replies.shift();
    if (!reply) throw new Error("unexpected call");
    if (reply instanceof Error) throw reply;
    return new Response(reply.text ?? JSON.stringify(reply.json ?? {}), {
      status: reply.status ?? 200,
      headers: { "content-type": "application/json" },
    });
  }) as typeof fetch;
  return { fetch: fake, calls };
}

function countingTokens(): AccessTokenProvider & { invalidated: string[] } {
  let n = 1;
  const invalidated: string[] = [];
  return {
    invalidated,
    async get() {
      return `token-${n}`;
    },
    async invalidate(token: string) {
      invalidated.push(token);
      if (token === `token-${n}`) n++;
    },
  };
}

function message(text: string, context: Record<string, string> = {}): OutboundMessage {
  return {
    channel: "dingtalk",
    conversationKey: "dingtalk:cidSingle==:manager1234",
    to: "manager1234",
    text,
    replyContext: {
      conversationType: "1",
      conversationId: "cidSingle==",
      robotCode: "dingkefurobot0001",
      senderStaffId: "manager1234",
      sessionWebhook: SESSION,
      sessionWebhookExpiredTime: String(NOW + 30 * 60_000),
      ...context,
    },
  };
}

const expired = { sessionWebhookExpiredTime: String(NOW - 1000) };

function setup(replies: Reply[], extra: { simulatorOrigin?: string; attempts?: number } = {}) {
  const { fetch, calls } = scriptedFetch(replies);
  const tokens = countingTokens();
  const sleeps: number[] = [];
  const adapter = createDingTalkOutbound({
    credentials,
    apiBase: API,
    tokens,
    fetch,
    clock: () => NOW,
    retry: { attempts: extra.attempts ?? 3, baseDelayMs: 10 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...(extra.simulatorOrigin ? { simulatorOrigin: extra.simulatorOrigin } : {}),
  });
  return { adapter, calls, tokens, sleeps };
}

async function failure(promise: Promise<unknown>): Promise<ChannelApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChannelApiError);
  return error as ChannelApiError;
}

describe("replies through the session webhook", () => {
  it("posts plain answers as text to a valid session webhook, without a token", async () => {
    const { adapter, calls } = setup([{ json: { errcode: 0, errmsg: "ok" } }]);
    await adapter.send(message("您好，退货请在订单页申请。"));
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(SESSION);
    expect(calls[0]?.headers["x-acs-dingtalk-access-token"]).toBeUndefined();
    expect(calls[0]?.body).toEqual({ msgtype: "text", text: { content: "您好，退货请在订单页申请。" } });
  });

  it("posts markdown answers as markdown with a title", async () => {
    const { adapter, calls } = setup([{ json: { errcode: 0 } }]);
    const text = "**退货流程**\n\n1. 打开订单\n2. 点击申请退货";
    await adapter.send(message(text));
    expect(calls[0]?.body).toEqual({ msgtype: "markdown", markdown: { title: "退货流程", text } });
  });

  it("falls back to the OpenAPI when DingTalk refuses the session", async () => {
    const { adapter, calls } = setup([
      { json: { errcode: 300001, errmsg: "session invalid" } },
      { json: { processQueryKey: "q1", invalidStaffIdList: [], flowControlledStaffIdList: [] } },
    ]);
    await adapter.send(message("hello"));
    expect(calls.map((c) => new URL(c.url).pathname)).toEqual([
      "/robot/sendBySession",
      "/v1.0/robot/oToMessages/batchSend",
    ]);
  });

  it("falls back to the OpenAPI at once when the session webhook cannot be reached", async () => {
    const { adapter, calls, sleeps } = setup([
      refused(),
      { json: { processQueryKey: "q1", invalidStaffIdList: [], flowControlledStaffIdList: [] } },
    ]);
    await adapter.send(message("hello"));
    expect(calls.map((c) => new URL(c.url).pathname)).toEqual([
      "/robot/sendBySession",
      "/v1.0/robot/oToMessages/batchSend",
    ]);
    expect(sleeps).toEqual([]);
  });

  it("sends no second copy, either way, after a session webhook call that timed out or dropped", async () => {
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    const reset = new TypeError("fetch failed", {
      cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
    });
    for (const unknown of [timeout, reset]) {
      const sent = { json: { processQueryKey: "q1", invalidStaffIdList: [], flowControlledStaffIdList: [] } };
      const { adapter, calls } = setup([unknown, sent, sent]);
      // The webhook may have delivered it: neither the OpenAPI nor a retry sends it again at once.
      const error = await failure(adapter.send(message("hello")));
      expect(error).toBeInstanceOf(DeliveryUnknownError);
      expect(error.retryable).toBe(true);
      expect(calls.map((c) => new URL(c.url).pathname)).toEqual(["/robot/sendBySession"]);
    }
  });

  it("sends the later parts of a reply through the OpenAPI once the session was unreachable", async () => {
    const sent = { json: { processQueryKey: "q", invalidStaffIdList: [], flowControlledStaffIdList: [] } };
    const { adapter, calls } = setup([refused(), sent, sent]);
    await adapter.send(message("长".repeat(DINGTALK_PART_MAX_BYTES / 3 + 10)));
    expect(calls.map((c) => new URL(c.url).pathname)).toEqual([
      "/robot/sendBySession",
      "/v1.0/robot/oToMessages/batchSend",
      "/v1.0/robot/oToMessages/batchSend",
    ]);
  });

  it("keeps retrying an unreachable session webhook when the OpenAPI cannot reach the customer", async () => {
    // A member of another organisation has no userId: the session webhook is the only way to them.
    const { adapter, calls } = setup([refused(), refused(), refused()]);
    const error = await failure(adapter.send(message("hello", { senderStaffId: "" })));
    expect(error.retryable).toBe(true);
    expect(calls.map((c) => new URL(c.url).pathname)).toEqual(Array(3).fill("/robot/sendBySession"));
  });

  it("retries a busy session webhook, then gives up retryably", async () => {
    const busy = { json: { errcode: 130101, errmsg: "send too fast" } };
    const { adapter, calls, sleeps } = setup([busy, busy, busy]);
    const error = await failure(adapter.send(message("hello")));
    expect(error.retryable).toBe(true);
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([10, 20]);
  });
});

describe("session webhook hosts (SSRF guard)", () => {
  it.each([
    "http://oapi.dingtalk.com/robot/sendBySession?session=x",
    "https://169.254.169.254/latest/meta-data/",
    "https://oapi.dingtalk.com.evil.example/robot/sendBySession",
    "https://evil.example/?https://oapi.dingtalk.com/",
    "https://user:pw@oapi.dingtalk.com/robot/sendBySession",
    "https://oapi.dingtalk.com:8443/robot/sendBySession",
    "http://127.0.0.1:3000/sim/dingtalk/robot/sendBySession?session=x",
    "not a url",
  ])("refuses %s outside local mode", (url) => {
    expect(allowedSessionUrl(url)).toBeUndefined();
  });

  it("accepts DingTalk's API hosts", () => {
    expect(allowedSessionUrl(SESSION)?.hostname).toBe("oapi.dingtalk.com");
    expect(allowedSessionUrl("https://API.dingtalk.com/v1.0/robot/x")?.hostname).toBe("api.dingtalk.com");
  });

  it("maps DingTalk's hosts to the simulator in local mode, so a real payload is answered locally", () => {
    expect(allowedSessionUrl(SESSION, "http://127.0.0.1:3000")?.href).toBe(
      "http://127.0.0.1:3000/sim/dingtalk/robot/sendBySession?session=kefu0session",
    );
    expect(allowedSessionUrl(SESSION)?.href).toBe(SESSION);
    expect(allowedSessionUrl("https://169.254.169.254/x", "http://127.0.0.1:3000")).toBeUndefined();
    expect(allowedSessionUrl("http://oapi.dingtalk.com/robot/sendBySession", "http://127.0.0.1:3000")).toBe(
      undefined,
    );
  });

  it("accepts the simulator's path on the stack's origin in local mode only", () => {
    const sim = "http://127.0.0.1:3000/sim/dingtalk/robot/sendBySession?session=x";
    expect(allowedSessionUrl(sim, "http://127.0.0.1:3000")?.pathname).toBe(
      "/sim/dingtalk/robot/sendBySession",
    );
    expect(allowedSessionUrl("http://127.0.0.1:3000/dev/faults", "http://127.0.0.1:3000")).toBeUndefined();
    expect(allowedSessionUrl(sim, "http://127.0.0.1:4000")).toBeUndefined();
  });

  it("never posts to a non-DingTalk session webhook: the OpenAPI answers instead", async () => {
    const { adapter, calls } = setup([{ json: { processQueryKey: "q1" } }]);
    await adapter.send(message("hello", { sessionWebhook: "https://169.254.169.254/latest/meta-data/" }));
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(`${API}/v1.0/robot/oToMessages/batchSend`);
  });

  it("uses the simulator's session webhook when it is given the stack's origin", async () => {
    const sim = "http://127.0.0.1:3000/sim/dingtalk/robot/sendBySession?session=x";
    const { adapter, calls } = setup([{ json: { errcode: 0 } }], {
      simulatorOrigin: "http://127.0.0.1:3000",
    });
    await adapter.send(message("hello", { sessionWebhook: sim }));
    expect(calls[0]?.url).toBe(sim);
  });
});

describe("replies through the robot OpenAPI after the session expired", () => {
  it("writes to a one-to-one chat by userId with the access token header", async () => {
    const { adapter, calls } = setup([{ json: { processQueryKey: "q1", invalidStaffIdList: [] } }]);
    await adapter.send(message("您好", expired));
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(`${API}/v1.0/robot/oToMessages/batchSend`);
    expect(calls[0]?.headers["x-acs-dingtalk-access-token"]).toBe("token-1");
    expect(calls[0]?.body).toEqual({
      robotCode: "dingkefurobot0001",
      userIds: ["manager1234"],
      msgKey: "sampleText",
      msgParam: JSON.stringify({ content: "您好" }),
    });
  });

  it("writes to a group by openConversationId, as markdown when the answer is", async () => {
    const { adapter, calls } = setup([{ json: { processQueryKey: "q1" } }]);
    await adapter.send(
      message("## 发货\n- 48 小时内", { ...expired, conversationType: "2", conversationId: "cidGroup==" }),
    );
    expect(calls[0]?.url).toBe(`${API}/v1.0/robot/groupMessages/send`);
    expect(calls[0]?.body).toEqual({
      robotCode: "dingkefurobot0001",
      openConversationId: "cidGroup==",
      msgKey: "sampleMarkdown",
      msgParam: JSON.stringify({ title: "发货", text: "## 发货\n- 48 小时内" }),
    });
  });

  it("uses the OpenAPI when there never was a session webhook, with our robot code", async () => {
    const { adapter, calls } = setup([{ json: {} }]);
    const m = message("hi");
    m.replyContext = { conversationType: "1", conversationId: "cidSingle==", senderStaffId: "manager1234" };
    await adapter.send(m);
    expect(calls[0]?.body.robotCode).toBe(credentials.KEFU_DINGTALK_APP_KEY);
  });

  it("refreshes a refused token once and sends", async () => {
    const { adapter, calls, tokens } = setup([
      {
        status: 400,
        json: { code: "InvalidAuthentication", message: "不合法的access_token", requestid: "r1" },
      },
      { json: { processQueryKey: "q1" } },
    ]);
    await adapter.send(message("hi", expired));
    expect(tokens.invalidated).toEqual(["token-1"]);
    expect(calls.map((c) => c.headers["x-acs-dingtalk-access-token"])).toEqual(["token-1", "token-2"]);
  });

  it("does not retry a request DingTalk rejects as invalid", async () => {
    const { adapter, calls } = setup([
      {
        status: 400,
        json: { code: "invalidParameter.robotCode.auth", message: "appkey does not match robotCode" },
      },
    ]);
    const error = await failure(adapter.send(message("hi", expired)));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("invalidParameter.robotCode.auth");
    expect(calls).toHaveLength(1);
  });

  it("retries throttling and server errors, then fails retryably", async () => {
    const { adapter, calls } = setup([
      { status: 403, json: { code: "Forbidden.AccessDenied.QpsLimitForApi", message: "qps" } },
      { status: 503, text: "<html>busy</html>" },
      new TypeError("fetch failed"),
    ]);
    const error = await failure(adapter.send(message("hi", expired)));
    expect(error.retryable).toBe(true);
    expect(calls).toHaveLength(3);
  });

  it("succeeds when a retry gets through", async () => {
    const { adapter, calls } = setup([{ status: 502, json: {} }, { json: { processQueryKey: "q2" } }]);
    await adapter.send(message("hi", expired));
    expect(calls).toHaveLength(2);
  });

  it("reports an unknown userId as final and flow control as retryable", async () => {
    const unknown = setup([{ json: { invalidStaffIdList: ["manager1234"] } }]);
    expect((await failure(unknown.adapter.send(message("hi", expired)))).retryable).toBe(false);
    const held = setup([{ json: { flowControlledStaffIdList: ["manager1234"] } }], { attempts: 1 });
    expect((await failure(held.adapter.send(message("hi", expired)))).retryable).toBe(true);
  });

  it("cannot reach a one-to-one customer without a userId once the session expired", async () => {
    const { adapter, calls } = setup([]);
    const m = message("hi", expired);
    delete m.replyContext.senderStaffId;
    const error = await failure(adapter.send(m));
    expect(error.retryable).toBe(false);
    expect(calls).toHaveLength(0);
  });
});

describe("rendering", () => {
  it("splits long answers into parts of at most the documented size, sent in order", async () => {
    const paragraph = `${"退货需要在收货后七天内申请，".repeat(40)}\n\n`;
    const text = paragraph.repeat(6);
    const replies = Array.from({ length: 10 }, () => ({ json: { errcode: 0 } }));
    const { adapter, calls } = setup(replies);
    const parts = adapter.render(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(DINGTALK_PART_MAX_BYTES);
    expect(parts.join("").replace(/\s+/g, "")).toBe(text.replace(/\s+/g, ""));
    await adapter.send(message(text));
    expect(calls.map((c) => (c.body.text as { content: string }).content)).toEqual(parts);
    // Under the OpenAPI's 15 000-byte msgParam limit even when JSON-escaped.
    for (const part of parts)
      expect(Buffer.byteLength(JSON.stringify({ content: part }))).toBeLessThan(15_000);
  });

  it("tells markdown from plain text", () => {
    expect(looksLikeMarkdown("您好，请提供订单号。")).toBe(false);
    expect(looksLikeMarkdown("Price: 5 * 3 = 15")).toBe(false);
    expect(looksLikeMarkdown("# 标题\n正文")).toBe(true);
    expect(looksLikeMarkdown("步骤：\n- 第一步\n- 第二步")).toBe(true);
    expect(looksLikeMarkdown("请看[帮助中心](https://help.example.com)")).toBe(true);
    expect(looksLikeMarkdown("这是**重点**")).toBe(true);
  });

  it("makes a short plain title", () => {
    expect(markdownTitle("## 退货\n正文")).toBe("退货");
    expect(markdownTitle("- 第一项")).toBe("第一项");
    expect(markdownTitle("这是一个非常非常非常非常非常非常非常非常长的标题行")).toHaveLength(24);
  });
});

describe("access token", () => {
  it("posts the app key and secret and reads accessToken/expireIn", async () => {
    const { fetch, calls } = scriptedFetch([{ json: { accessToken: "fresh", expireIn: 7200 } }]);
    const token: FetchedToken = await fetchDingTalkAccessToken({ apiBase: `${API}/`, credentials, fetch });
    expect(token).toEqual({ token: "fresh", expiresInSeconds: 7200 });
    expect(calls[0]?.url).toBe(`${API}/v1.0/oauth2/accessToken`);
    expect(calls[0]?.body).toEqual({
      appKey: credentials.KEFU_DINGTALK_APP_KEY,
      appSecret: credentials.KEFU_DINGTALK_APP_SECRET,
    });
  });

  it("treats a wrong secret as final, never quoting it, and an outage as retryable", async () => {
    const bad = scriptedFetch([{ status: 400, json: { code: "invalidClientIdOrSecret", message: "bad" } }]);
    const error = await failure(fetchDingTalkAccessToken({ apiBase: API, credentials, fetch: bad.fetch }));
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain(credentials.KEFU_DINGTALK_APP_SECRET);
    const down = scriptedFetch([{ status: 503, json: {} }]);
    expect(
      (await failure(fetchDingTalkAccessToken({ apiBase: API, credentials, fetch: down.fetch }))).retryable,
    ).toBe(true);
  });

  it("shares the token through the context's provider, named after the app key", async () => {
    const names: string[] = [];
    const { fetch, calls } = scriptedFetch([
      { json: { accessToken: "shared-token", expireIn: 7200 } },
      { json: { processQueryKey: "q" } },
    ]);
    const adapter = createDingTalkOutbound({
      credentials,
      apiBase: API,
      fetch,
      clock: () => NOW,
      tokens: {
        tokenProvider(name, fetchToken) {
          names.push(name);
          return { get: async () => (await fetchToken()).token, invalidate: async () => {} };
        },
      },
    });
    await adapter.send(message("hi", expired));
    expect(names).toEqual(["dingtalk:dingkefutestappkey01"]);
    expect(calls[1]?.headers["x-acs-dingtalk-access-token"]).toBe("shared-token");
  });
});

describe("multi-part replies across attempts", () => {
  it("resumes after the parts an earlier attempt reported, with the session webhook or the OpenAPI", async () => {
    const text = `${"退货需要在收货后七天内申请，".repeat(40)}\n\n`.repeat(12);
    const sent = (calls: { body: Record<string, unknown> }[]) =>
      calls.map(
        (c) =>
          (c.body.text as { content: string } | undefined)?.content ??
          JSON.parse(String(c.body.msgParam)).content,
      );

    const busy = { json: { errcode: -1 } };
    const first = setup([{ json: { errcode: 0 } }, busy, busy, busy]);
    const parts = first.adapter.render(text);
    expect(parts.length).toBeGreaterThan(2);
    const options = {
      partsSent: 0,
      async onPartSent(count: number) {
        options.partsSent = count;
      },
    };
    await failure(first.adapter.send(message(text), options));
    expect(options.partsSent).toBe(1);

    // Later the session expired: the rest goes through the OpenAPI, starting with part 2.
    const second = setup(parts.map(() => ({ json: {} })));
    await second.adapter.send(message(text, expired), options);
    expect(sent(second.calls)).toEqual(parts.slice(1));
    expect(options.partsSent).toBe(parts.length);
  });
});
