import {
  KefuError,
  MalformedRequestError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  SignatureError,
} from "../../core/errors";
import type { HttpResponse, InboundAdapter, WebhookOutcome, WebhookRequest } from "../ports";
import { checkTimestamp, decryptMessage, signatureMatches } from "../weixin/crypto";
import { parseWeChatXml } from "../weixin/xml";
import { type WeChatCredentials, type WeChatEncryptionMode, wechatEncryptionMode } from "./credentials";
import { toInboundMessage } from "./normalise";

export interface WeChatInboundOptions {
  credentials: WeChatCredentials;
  /** Accepted distance between the signed timestamp and our clock, either way (300 s by default). */
  timestampWindowSeconds: number;
  maxBodyBytes: number;
}

/**
 * WeChat expects the literal string `success` (or an empty body) within 5 s, whatever the encryption
 * mode; anything else is shown to the customer as "该公众号暂时无法提供服务". The answer comes later,
 * through the customer-service message API.
 */
const ACK: HttpResponse = { status: 200, headers: { "content-type": "text/plain" }, body: "success" };

/**
 * A push in an encryption mode the configured KEFU_WECHAT_ENCRYPTION_MODE does not accept: a plaintext
 * push to an account in safe mode (a downgrade, or the console switched back without telling Kefu), or
 * an encrypted push with no EncodingAESKey to read it.
 */
export class EncryptionModeError extends KefuError {
  constructor(mode: WeChatEncryptionMode, received: "plaintext" | "encrypted") {
    super(
      401,
      "encryption_mode_refused",
      `a ${received} push refused: KEFU_WECHAT_ENCRYPTION_MODE is ${mode}${received === "encrypted" ? " (no EncodingAESKey)" : ""}`,
    );
  }
}

/**
 * The WeChat Official Account webhook: the GET server check and POST pushes in the encryption modes
 * that KEFU_WECHAT_ENCRYPTION_MODE accepts (see WECHAT_ENCRYPTION_MODES). Pure: no AWS; de-duplication
 * and enqueueing happen in the shared webhook handler.
 *
 * Unsubscribe events are enqueued like any other push rather than answered here: the worker is the one
 * place that records conversation state, and it must learn that it may no longer write to this openid.
 */
export function createWeChatInbound(options: WeChatInboundOptions): InboundAdapter {
  const { credentials, timestampWindowSeconds, maxBodyBytes } = options;
  const token = credentials.KEFU_WECHAT_TOKEN;
  const mode = wechatEncryptionMode(credentials);

  function signedParams(query: Record<string, string>): { timestamp: string; nonce: string } {
    const { timestamp, nonce } = query;
    if (!timestamp || !nonce) throw new SignatureError("timestamp or nonce missing");
    return { timestamp, nonce };
  }

  function verifyServer(request: WebhookRequest): WebhookOutcome {
    const { timestamp, nonce } = signedParams(request.query);
    if (!signatureMatches(request.query.signature, token, timestamp, nonce)) throw new SignatureError();
    checkTimestamp(timestamp, request.receivedAt, timestampWindowSeconds);
    const echo = request.query.echostr;
    if (!echo) throw new MalformedRequestError("echostr missing");
    return { kind: "respond", response: { ...ACK, body: echo } };
  }

  /** The push's plaintext XML, from whichever mode it came in, once its signature is proven. */
  function authenticatedXml(request: WebhookRequest): string {
    const { query } = request;
    const { timestamp, nonce } = signedParams(query);
    const encryptType = (query.encrypt_type ?? "raw").toLowerCase();
    if (encryptType === "raw") {
      // Refused before anything else: its signature does not cover the body, so it proves nothing here.
      if (mode === "safe") throw new EncryptionModeError(mode, "plaintext");
      if (!signatureMatches(query.signature, token, timestamp, nonce)) throw new SignatureError();
      checkTimestamp(timestamp, request.receivedAt, timestampWindowSeconds);
      return request.body;
    }
    if (encryptType !== "aes") throw new MalformedRequestError("unknown encrypt_type");
    const aesKey = credentials.KEFU_WECHAT_AES_KEY;
    if (mode === "plaintext" || !aesKey) throw new EncryptionModeError(mode, "encrypted");
    // Compatible mode sends the plaintext fields next to <Encrypt>; only the signed ciphertext is trusted.
    const encrypted = parseWeChatXml(request.body).Encrypt;
    if (!encrypted) throw new MalformedRequestError("encrypted push without an Encrypt field");
    if (!signatureMatches(query.msg_signature, token, timestamp, nonce, encrypted)) {
      throw new SignatureError("msg_signature mismatch");
    }
    checkTimestamp(timestamp, request.receivedAt, timestampWindowSeconds);
    return decryptMessage(aesKey, encrypted, credentials.KEFU_WECHAT_APP_ID);
  }

  return {
    channel: "wechat",
    handle(request: WebhookRequest): WebhookOutcome {
      if (Buffer.byteLength(request.body, "utf8") > maxBodyBytes)
        throw new PayloadTooLargeError(maxBodyBytes);
      const method = request.method.toUpperCase();
      if (method === "GET") return verifyServer(request);
      if (method !== "POST") throw new MethodNotAllowedError(["GET", "POST"]);
      const message = toInboundMessage(parseWeChatXml(authenticatedXml(request)));
      return { kind: "enqueue", messages: [message], ack: ACK };
    },
  };
}
