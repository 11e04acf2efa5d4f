import { readFileSync } from "node:fs";
import { encrypt } from "@wecom/crypto";
import { describe, expect, it } from "vitest";
import {
  decryptMessage,
  encryptMessage,
  signatureMatches,
  wechatSignature,
} from "../../../../shared/channels/weixin/crypto";
import { MalformedRequestError, SignatureError } from "../../../../shared/core/errors";

const vectors = JSON.parse(
  readFileSync(new URL("../../../fixtures/wechat/official-vectors.json", import.meta.url), "utf8"),
);

describe("signatures against the official worked examples", () => {
  it("computes the URL-check and plaintext-push signatures", () => {
    const { urlCheck: u, plaintextPush: p } = vectors;
    expect(wechatSignature(u.token, u.timestamp, u.nonce)).toBe(u.signature);
    expect(wechatSignature(p.token, p.timestamp, p.nonce)).toBe(p.signature);
  });

  it("computes msg_signature over the Encrypt field", () => {
    const s = vectors.safeModePush;
    expect(wechatSignature(s.token, s.timestamp, s.nonce, s.encrypt)).toBe(s.msgSignature);
    expect(wechatSignature(s.token, s.timestamp, s.nonce)).toBe(s.signature);
    const r = vectors.replyEncryption;
    expect(wechatSignature(r.token, r.timestamp, r.nonce, r.encrypt)).toBe(r.msgSignature);
  });

  it("matches only the exact signature", () => {
    const u = vectors.urlCheck;
    expect(signatureMatches(u.signature, u.token, u.timestamp, u.nonce)).toBe(true);
    expect(signatureMatches(u.signature.toUpperCase(), u.token, u.timestamp, u.nonce)).toBe(false);
    expect(signatureMatches(`${u.signature}0`, u.token, u.timestamp, u.nonce)).toBe(false);
    expect(signatureMatches(u.signature.slice(0, 39), u.token, u.timestamp, u.nonce)).toBe(false);
    expect(signatureMatches(undefined, u.token, u.timestamp, u.nonce)).toBe(false);
    expect(signatureMatches(u.signature, "other-token", u.timestamp, u.nonce)).toBe(false);
  });
});

describe("AES decryption", () => {
  it("decrypts the official safe-mode example and checks its AppID", () => {
    const s = vectors.safeModePush;
    expect(decryptMessage(s.encodingAesKey, s.encrypt, s.appId)).toBe(s.decrypted);
  });

  it("encrypts exactly like the official examples (PKCS#7 to 32 bytes), given their random prefix", () => {
    for (const v of [vectors.replyEncryption, vectors.sampleCodeVector]) {
      expect(encryptMessage(v.encodingAesKey, v.message, v.appId, Buffer.from(v.random))).toBe(v.encrypt);
      expect(decryptMessage(v.encodingAesKey, v.encrypt, v.appId)).toBe(v.message);
    }
  });

  it("refuses a message encrypted for another AppID", () => {
    const s = vectors.safeModePush;
    expect(() => decryptMessage(s.encodingAesKey, s.encrypt, "wx0000000000000000")).toThrow(SignatureError);
  });

  it("calls a wrong key or a damaged ciphertext malformed, without echoing it", () => {
    const s = vectors.safeModePush;
    const otherKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    expect(() => decryptMessage(otherKey, s.encrypt, s.appId)).toThrow(MalformedRequestError);
    for (const bad of ["", "not base64!", s.encrypt.slice(0, 40), Buffer.alloc(16).toString("base64")]) {
      const error = catchError(() => decryptMessage(s.encodingAesKey, bad, s.appId));
      expect(error).toBeInstanceOf(MalformedRequestError);
      if (bad) expect((error as Error).message).not.toContain(bad);
    }
  });

  it("round-trips through the library's own encrypt with a random prefix", () => {
    const key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const xml = "<xml><Content><![CDATA[中文😀]]></Content></xml>";
    expect(decryptMessage(key, encrypt(key, xml, "wxkefu"), "wxkefu")).toBe(xml);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
