import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  MalformedRequestError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  SignatureError,
  StaleTimestampError,
} from "../../core/errors";
import type { HttpResponse, InboundAdapter, WebhookOutcome, WebhookRequest } from "../ports";
import { decryptMessage, encryptMessage, signatureMatches, wechatSignature } from "../weixin/crypto";
import { type DingTalkCredentials, robotCodeOf } from "./credentials";
import { RobotMessageSchema, toInboundMessage } from "./normalise";

/**
 * DingTalk documents a tolerance of one hour for the robot's `timestamp` header, and its re-delivery a
 * minute later keeps the original timestamp: the shared 300 s window would reject honest retries from
 * a slightly skewed clock, so DingTalk gets its own.
 */
export const DINGTALK_TIMESTAMP_WINDOW_SECONDS = 3600;

export interface DingTalkInboundOptions {
  credentials: DingTalkCredentials;
  maxBodyBytes: number;
  /** Accepted distance between a signed timestamp and our clock, either way. */
  timestampWindowSeconds?: number;
}

/**
 * The robot expects a quick 200; a JSON body with a `msgtype` would be posted to the chat as a
 * synchronous reply, so the ack is an empty object and the answer comes from the worker.
 */
const ACK: HttpResponse = { status: 200, headers: { "content-type": "application/json" }, body: "{}" };

/**
 * `/webhooks/dingtalk` serves two kinds of POST:
 * - robot messages in HTTP mode: headers `timestamp` and `sign`, a plaintext JSON body;
 * - event subscription pushes (事件订阅): query `msg_signature`, `timestamp`, `nonce` and a body
 *   `{"encrypt": "…"}`, answered with an encrypted "success". Kefu subscribes to no event it acts on
 *   (chat messages arrive as robot messages), so events are verified, decrypted, acknowledged — the
 *   console's `check_url` included — and nothing is enqueued.
 */
export function createDingTalkInbound(options: DingTalkInboundOptions): InboundAdapter {
  const { credentials, maxBodyBytes } = options;
  const windowMs = (options.timestampWindowSeconds ?? DINGTALK_TIMESTAMP_WINDOW_SECONDS) * 1000;
  const appKey = credentials.KEFU_DINGTALK_APP_KEY;

  function checkTimestamp(millis: number, receivedAt: Date): void {
    if (!(Math.abs(receivedAt.getTime() - millis) <= windowMs)) throw new StaleTimestampError();
  }

  function robotMessage(request: WebhookRequest): WebhookOutcome {
    const timestamp = request.headers.timestamp?.trim() ?? "";
    if (!/^\d{1,15}$/.test(timestamp))
      throw new SignatureError("timestamp header missing or not milliseconds");
    if (!robotSignMatches(request.headers.sign, credentials.KEFU_DINGTALK_APP_SECRET, timestamp)) {
      throw new SignatureError();
    }
    checkTimestamp(Number(timestamp), request.receivedAt);
    const parsed = RobotMessageSchema.safeParse(parseJson(request.body));
    if (!parsed.success) {
      throw new MalformedRequestError("the robot message does not validate", { cause: parsed.error });
    }
    const message = toInboundMessage(parsed.data, {
      robotCode: robotCodeOf(credentials),
      receivedAt: request.receivedAt,
    });
    if ("skipped" in message) return { kind: "respond", response: ACK };
    return { kind: "enqueue", messages: [message], ack: ACK };
  }

  function eventPush(request: WebhookRequest, body: unknown): WebhookOutcome {
    const { query } = request;
    const signature = query.msg_signature ?? query.signature;
    const timestamp = query.timestamp ?? query.timeStamp ?? "";
    const nonce = query.nonce ?? "";
    const encrypted = isRecord(body) && typeof body.encrypt === "string" ? body.encrypt : "";
    if (!encrypted) throw new MalformedRequestError("an event push without an encrypt field");
    if (!timestamp || !nonce) throw new SignatureError("timestamp or nonce missing");
    if (!eventSignatureMatches(signature, credentials.KEFU_DINGTALK_TOKEN, timestamp, nonce, encrypted)) {
      throw new SignatureError("msg_signature mismatch");
    }
    if (!/^\d{1,15}$/.test(timestamp)) throw new StaleTimestampError();
    // DingTalk signs in milliseconds; some SDK ports use seconds. Below 10^11 it can only be seconds.
    const value = Number(timestamp);
    checkTimestamp(value < 1e11 ? value * 1000 : value, request.receivedAt);
    const plaintext = decryptEvent(credentials.KEFU_DINGTALK_AES_KEY, encrypted, appKey);
    const event = parseJson(plaintext);
    if (!isRecord(event) || typeof event.EventType !== "string") {
      throw new MalformedRequestError("the decrypted event has no EventType");
    }
    const reply = encryptReply(
      { token: credentials.KEFU_DINGTALK_TOKEN, aesKey: credentials.KEFU_DINGTALK_AES_KEY, ownerKey: appKey },
      "success",
      { timestamp: String(request.receivedAt.getTime()) },
    );
    return { kind: "respond", response: { ...ACK, body: JSON.stringify(reply) } };
  }

  return {
    channel: "dingtalk",
    handle(request: WebhookRequest): WebhookOutcome {
      if (Buffer.byteLength(request.body, "utf8") > maxBodyBytes)
        throw new PayloadTooLargeError(maxBodyBytes);
      if (request.method.toUpperCase() !== "POST") throw new MethodNotAllowedError(["POST"]);
      const { query, headers } = request;
      // Robot messages are signed in headers; event pushes in the query string.
      if (query.msg_signature !== undefined || query.signature !== undefined) {
        return eventPush(request, parseJson(request.body));
      }
      if (headers.sign !== undefined || headers.timestamp !== undefined) return robotMessage(request);
      throw new SignatureError("neither a signed robot message nor a signed event push");
    },
  };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    // V8's message quotes part of the body: it is not kept, not even as a cause.
    throw new MalformedRequestError("the body is not JSON");
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---- signatures and encryption ------------------------------------------------------------------

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
