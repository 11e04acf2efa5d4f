import { describe, expect, it } from "vitest";
import {
  decryptEvent,
  encryptReply,
  eventSignature,
  eventSignatureMatches,
  robotSign,
  robotSignMatches,
} from "../../../../shared/channels/dingtalk/inbound";
import { MalformedRequestError, SignatureError } from "../../../../shared/core/errors";
import vectors from "../../../fixtures/dingtalk/official-vectors.json";

const event = vectors.eventCrypto;

describe("robot message sign (HTTP mode)", () => {
  it.each(vectors.robotSign.cases)("matches the reference value for $timestamp", (c) => {
    expect(robotSign(c.appSecret, c.timestamp)).toBe(c.sign);
    expect(robotSignMatches(c.sign, c.appSecret, c.timestamp)).toBe(true);
  });

  it("rejects a sign made with another secret, another timestamp, or nothing", () => {
    const [c] = vectors.robotSign.cases;
    if (!c) throw new Error("no vector");
    expect(robotSignMatches(c.sign, "another-secret", c.timestamp)).toBe(false);
    expect(robotSignMatches(c.sign, c.appSecret, String(Number(c.timestamp) + 1))).toBe(false);
    expect(robotSignMatches(undefined, c.appSecret, c.timestamp)).toBe(false);
    expect(robotSignMatches(c.sign.slice(0, -2), c.appSecret, c.timestamp)).toBe(false);
  });
});

describe("event subscription crypto (official SDK vector)", () => {
  it("verifies the official msg_signature", () => {
    expect(eventSignature(event.token, event.timestamp, event.nonce, event.encrypt)).toBe(event.msgSignature);
    expect(
      eventSignatureMatches(event.msgSignature, event.token, event.timestamp, event.nonce, event.encrypt),
    ).toBe(true);
    expect(
      eventSignatureMatches(event.msgSignature, "other", event.timestamp, event.nonce, event.encrypt),
    ).toBe(false);
  });

  it("decrypts the official ciphertext and checks the owner key", () => {
    expect(decryptEvent(event.aesKey, event.encrypt, event.ownerKey)).toBe(event.plaintext);
    expect(() => decryptEvent(event.aesKey, event.encrypt, "dingsomeoneelse")).toThrow(SignatureError);
  });

  it("refuses a ciphertext that is not one", () => {
    expect(() => decryptEvent(event.aesKey, "not base64 !!", event.ownerKey)).toThrow(MalformedRequestError);
  });

  it("builds an encrypted success that decrypts and verifies", () => {
    const reply = encryptReply(
      { token: event.token, aesKey: event.aesKey, ownerKey: event.ownerKey },
      "success",
      {
        timestamp: "1608001896900",
      },
    );
    expect(reply.timeStamp).toBe("1608001896900");
    expect(reply.nonce).toMatch(/^[0-9a-f]{16}$/);
    expect(eventSignature(event.token, reply.timeStamp, reply.nonce, reply.encrypt)).toBe(
      reply.msg_signature,
    );
    expect(decryptEvent(event.aesKey, reply.encrypt, event.ownerKey)).toBe("success");
  });
});
