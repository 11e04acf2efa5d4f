import { createHash, timingSafeEqual } from "node:crypto";
import { decrypt, encrypt } from "@wecom/crypto";
import { MalformedRequestError, SignatureError, StaleTimestampError } from "../../core/errors";

/**
 * WeChat's signatures: SHA-1 of the lexicographically sorted concatenation of the token, timestamp,
 * nonce and, for msg_signature, the Encrypt field. The same scheme signs the URL check, plaintext
 * pushes and encrypted pushes.
 */
export function wechatSignature(...parts: string[]): string {
  return createHash("sha1")
    .update([...parts].sort().join(""))
    .digest("hex");
}

/** Compares in constant time, so the response time does not reveal how many leading characters match. */
export function signatureMatches(provided: string | undefined, ...parts: string[]): boolean {
  if (!provided) return false;
  const expected = Buffer.from(wechatSignature(...parts), "utf8");
  const actual = Buffer.from(provided, "utf8");
  // The expected length is public (40 hex characters): an early return on length leaks nothing.
  if (actual.length !== expected.length) return false;
  return timingSafeEqual(actual, expected);
}

/**
 * The family's signed `timestamp` (Unix seconds) must be within `windowSeconds` of the arrival, either
 * way: a captured request cannot be replayed later.
 */
export function checkTimestamp(timestamp: string, receivedAt: Date, windowSeconds: number): void {
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  const skew = Math.abs(receivedAt.getTime() / 1000 - seconds);
  if (!(skew <= windowSeconds)) throw new StaleTimestampError();
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decrypts an `Encrypt` field (AES-256-CBC, key and IV from the EncodingAESKey, PKCS#7 padded to 32
 * bytes) and checks that the AppID appended to the plaintext is ours: the platform's guard against a
 * message meant for another account being replayed to this one.
 */
export function decryptMessage(encodingAesKey: string, encrypted: string, appId: string): string {
  const trimmed = encrypted.trim();
  const size = Buffer.byteLength(trimmed, "base64");
  if (!BASE64.test(trimmed) || size === 0 || size % 32 !== 0) {
    throw new MalformedRequestError("the Encrypt field is not an AES-256-CBC ciphertext");
  }
  let plain: { message: string; id: string };
  try {
    plain = decrypt(encodingAesKey, trimmed);
  } catch (cause) {
    // The library's messages name only the failing step (bad padding, short block), never the body.
    throw new MalformedRequestError("the Encrypt field could not be decrypted", { cause });
  }
  if (plain.id === appId) return plain.message;
  // CBC with the library's lenient unpadding does not fail on a wrong key: it yields noise. An AppID
  // that is not even printable ASCII means the ciphertext (or our EncodingAESKey) is wrong; a readable
  // one that differs means a genuine message for another account.
  if (!/^[\x21-\x7e]{1,64}$/.test(plain.id)) {
    throw new MalformedRequestError(
      "the Encrypt field could not be decrypted (is the EncodingAESKey right?)",
    );
  }
  throw new SignatureError("the encrypted message is addressed to another AppID");
}

/** The reverse of decryptMessage; used by the local channel simulator and by tests. */
export function encryptMessage(
  encodingAesKey: string,
  message: string,
  appId: string,
  random?: Buffer,
): string {
  return encrypt(encodingAesKey, message, appId, random);
}
