import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { decryptMessage, encryptMessage, signatureMatches, wechatSignature } from "../weixin/crypto";

/**
 * The signature DingTalk puts in the `sign` header of a robot message (HTTP mode):
 * base64(HMAC-SHA256(key = appSecret, timestamp + "\n" + appSecret)). Only the timestamp is signed, not
 * the body: the window check is what limits a captured pair's replay.
 */
export function robotSign(appSecret: string, timestamp: string): string {
  return createHmac("sha256", appSecret).update(`${timestamp}\n${appSecret}`, "utf8").digest("base64");
}

/** Constant-time comparison of a `sign` header against the expected value. */
export function robotSignMatches(
  provided: string | undefined,
  appSecret: string,
  timestamp: string,
): boolean {
  if (!provided) return false;
  const expected = Buffer.from(robotSign(appSecret, timestamp), "utf8");
  const actual = Buffer.from(provided.trim(), "utf8");
  // The length of a base64 SHA-256 (44 characters) is public: returning early on it leaks nothing.
  if (actual.length !== expected.length) return false;
  return timingSafeEqual(actual, expected);
}

/**
 * Event subscription (事件订阅, HTTP push) uses WeChat's WXBizMsgCrypt scheme unchanged: SHA-1 over the
 * sorted token, timestamp, nonce and ciphertext; AES-256-CBC with PKCS#7 padded to 32 bytes; the
 * plaintext ends with the owner key (the app key for an internal app, the suite key for an ISV app).
 */
export const eventSignature = wechatSignature;
export const eventSignatureMatches = signatureMatches;
export const decryptEvent = decryptMessage;

/** What DingTalk expects back from an event push: the word "success", encrypted and signed. */
export interface EncryptedReply {
  msg_signature: string;
  timeStamp: string;
  nonce: string;
  encrypt: string;
}

export function encryptReply(
  options: { token: string; aesKey: string; ownerKey: string },
  plaintext: string,
  at: { timestamp?: string; nonce?: string } = {},
): EncryptedReply {
  const timeStamp = at.timestamp ?? String(Date.now());
  // The official SDKs insist on a 16-character nonce.
  const nonce = at.nonce ?? randomBytes(8).toString("hex");
  const encrypt = encryptMessage(options.aesKey, plaintext, options.ownerKey);
  return {
    msg_signature: eventSignature(options.token, timeStamp, nonce, encrypt),
    timeStamp,
    nonce,
    encrypt,
  };
}
