import { describe, expect, it } from "vitest";
import { fetchWeChatAccessToken, fetchWeComAccessToken } from "../../../../shared/channels/weixin/api";
import type { ChannelApiError } from "../../../../shared/core/errors";

/**
 * The family's token endpoints. The client itself (token refusals, back-off, errcodes) is exercised
 * through each channel's sender: wechat/outbound.test.ts, wecom/outbound.test.ts.
 */

const API = "https://api.example.test";

/** A fetch that records the URLs it is called with and answers each call with the next JSON body. */
function scriptedFetch(bodies: unknown[]) {
  const calls: URL[] = [];
  const fetch = (async (input: string | URL | Request) => {
    calls.push(new URL(input instanceof Request ? input.url : input.toString()));
    const body = bodies.shift();
    if (body === undefined) throw new Error("unexpected call");
    return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

async function failure(promise: Promise<unknown>): Promise<ChannelApiError & { errcode?: number }> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: ChannelApiError) => error,
  );
}

describe("WeChat access token", () => {
  const app = { appId: "wxkefutest000001", appSecret: "s3cret&value" };

  it("fetches a token with the app id and secret, URL-encoded", async () => {
    const { fetch, calls } = scriptedFetch([{ access_token: "ACCESS_TOKEN", expires_in: 7200 }]);
    const token = await fetchWeChatAccessToken({ apiBase: API, ...app, fetch });
    expect(token).toEqual({ token: "ACCESS_TOKEN", expiresInSeconds: 7200 });
    expect(calls[0]?.pathname).toBe("/cgi-bin/token");
    expect(Object.fromEntries(calls[0]?.searchParams ?? [])).toEqual({
      grant_type: "client_credential",
      appid: "wxkefutest000001",
      secret: "s3cret&value",
    });
  });

  it("reports errcodes: busy is retryable, a bad secret is not, and the secret never appears", async () => {
    const busy = scriptedFetch([{ errcode: -1, errmsg: "system error" }]);
    expect(
      (await failure(fetchWeChatAccessToken({ apiBase: API, ...app, fetch: busy.fetch }))).retryable,
    ).toBe(true);
    const bad = scriptedFetch([{ errcode: 40125, errmsg: "invalid appsecret" }]);
    const error = await failure(fetchWeChatAccessToken({ apiBase: API, ...app, fetch: bad.fetch }));
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain("s3cret");
  });
});

describe("WeCom gettoken", () => {
  it("fetches the token with corpid and corpsecret", async () => {
    const { fetch, calls } = scriptedFetch([{ errcode: 0, access_token: "T", expires_in: 7200 }]);
    const token = await fetchWeComAccessToken({ apiBase: API, corpId: "ww1", secret: "TOPSECRET", fetch });
    expect(token).toEqual({ token: "T", expiresInSeconds: 7200 });
    expect(calls[0]?.pathname).toBe("/cgi-bin/gettoken");
    expect(Object.fromEntries(calls[0]?.searchParams ?? [])).toEqual({
      corpid: "ww1",
      corpsecret: "TOPSECRET",
    });
  });

  it("does not retry a wrong secret, and never puts the secret in the error", async () => {
    const { fetch } = scriptedFetch([{ errcode: 40001, errmsg: "invalid credential" }]);
    const error = await failure(
      fetchWeComAccessToken({ apiBase: API, corpId: "ww1", secret: "TOPSECRET", fetch }),
    );
    expect(error).toMatchObject({ retryable: false, errcode: 40001 });
    expect(String(error.message)).not.toContain("TOPSECRET");
  });
});
