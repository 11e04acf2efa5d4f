import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { WebhookRequest } from "../../../../shared/channels/ports";
import { echostrOf, verifyWeComCallback } from "../../../../shared/channels/weixin/callback";

/** WeCom's callback protocol, shared by the WeCom app and 微信客服: the official vectors. */
const vectors = JSON.parse(
  readFileSync(new URL("../../../fixtures/wecom/official-vectors.json", import.meta.url), "utf8"),
);

function request(over: Partial<WebhookRequest>): WebhookRequest {
  return {
    method: "POST",
    path: "/webhooks/wecom",
    query: {},
    rawQueryString: "",
    headers: { "content-type": "text/xml" },
    body: "",
    receivedAt: new Date(),
    ...over,
  };
}

describe("the official WeCom test vectors", () => {
  const options = {
    token: vectors.token,
    aesKey: vectors.encodingAesKey,
    corpId: vectors.corpId,
    timestampWindowSeconds: 300,
    maxBodyBytes: 64 * 1024,
  };

  it("verifies the URL check and answers the decrypted echostr, from the URL-encoded query", () => {
    const v = vectors.verifyUrl;
    const raw = `msg_signature=${v.msgSignature}&timestamp=${v.timestamp}&nonce=${v.nonce}&echostr=${v.echostrQuery}`;
    const result = verifyWeComCallback(
      request({
        method: "GET",
        query: Object.fromEntries(new URLSearchParams(raw)),
        rawQueryString: raw,
        receivedAt: new Date(Number(v.timestamp) * 1000 + 2000),
      }),
      options,
    );
    expect(result).toEqual({ kind: "echo", plaintext: v.plaintext });
  });

  it("decrypts the official message push and checks its CorpID", () => {
    const v = vectors.decryptMsg;
    const query = { msg_signature: v.msgSignature, timestamp: v.timestamp, nonce: v.nonce };
    const result = verifyWeComCallback(
      request({ query, body: v.body, receivedAt: new Date(Number(v.timestamp) * 1000) }),
      options,
    );
    expect(result).toEqual({ kind: "push", fields: v.plaintext });
  });

  it("refuses the official push for another CorpID", () => {
    const v = vectors.decryptMsg;
    const query = { msg_signature: v.msgSignature, timestamp: v.timestamp, nonce: v.nonce };
    expect(() =>
      verifyWeComCallback(
        request({ query, body: v.body, receivedAt: new Date(Number(v.timestamp) * 1000) }),
        {
          ...options,
          corpId: "wwsomeoneelse",
        },
      ),
    ).toThrow(/another CorpID/);
  });
});

describe("echostr", () => {
  it("keeps a literal + that a form decoder would have turned into a space", () => {
    expect(echostrOf({ query: { echostr: "a b" }, rawQueryString: "echostr=a+b%2Fc%3D%3D" })).toBe("a+b/c==");
    expect(echostrOf({ query: { echostr: "a b==" }, rawQueryString: "" })).toBe("a+b==");
  });
});
