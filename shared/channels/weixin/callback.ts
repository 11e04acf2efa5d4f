import {
  MalformedRequestError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  SignatureError,
} from "../../core/errors";
import type { WebhookRequest } from "../ports";
import { checkTimestamp, decryptMessage, signatureMatches } from "./crypto";
import { parseWeChatXml } from "./xml";

/**
 * WeCom's callback protocol (回调配置 / 加解密方案), shared by the self-built app and 微信客服: every
 * request carries msg_signature = SHA-1 of the sorted token, timestamp, nonce and ciphertext; the
 * ciphertext is WXBizMsgCrypt AES-256-CBC whose receive id must be our CorpID.
 */
export interface WeComCallbackOptions {
  token: string;
  aesKey: string;
  corpId: string;
  timestampWindowSeconds: number;
  maxBodyBytes: number;
}

export type VerifiedCallback =
  /** GET URL check: answer the decrypted echostr as the body, within 1 s. */
  | { kind: "echo"; plaintext: string }
  /** POST push: the top-level fields of the decrypted XML. */
  | { kind: "push"; fields: Record<string, string> };

export function verifyWeComCallback(
  request: WebhookRequest,
  options: WeComCallbackOptions,
): VerifiedCallback {
  if (Buffer.byteLength(request.body, "utf8") > options.maxBodyBytes) {
    throw new PayloadTooLargeError(options.maxBodyBytes);
  }
  const method = request.method.toUpperCase();
  // Before the signature: a method the callback never takes is refused as such, signed or not.
  if (method !== "GET" && method !== "POST") throw new MethodNotAllowedError(["GET", "POST"]);
  const { timestamp, nonce, msg_signature: signature } = request.query;
  if (!timestamp || !nonce) throw new SignatureError("timestamp or nonce missing");

  if (method === "GET") {
    const echostr = echostrOf(request);
    if (!echostr) throw new MalformedRequestError("echostr missing");
    if (!signatureMatches(signature, options.token, timestamp, nonce, echostr)) {
      throw new SignatureError("msg_signature mismatch");
    }
    checkTimestamp(timestamp, request.receivedAt, options.timestampWindowSeconds);
    return { kind: "echo", plaintext: decrypt(options, echostr) };
  }

  // The outer envelope's ToUserName and AgentID are not signed: only the ciphertext is trusted.
  const encrypted = parseWeChatXml(request.body).Encrypt;
  if (!encrypted) throw new MalformedRequestError("the push has no Encrypt field");
  if (!signatureMatches(signature, options.token, timestamp, nonce, encrypted)) {
    throw new SignatureError("msg_signature mismatch");
  }
  checkTimestamp(timestamp, request.receivedAt, options.timestampWindowSeconds);
  return { kind: "push", fields: parseWeChatXml(decrypt(options, encrypted)) };
}

function decrypt(options: WeComCallbackOptions, encrypted: string): string {
  try {
    return decryptMessage(options.aesKey, encrypted, options.corpId);
  } catch (error) {
    // The shared decrypter speaks of AppIDs; here the receive id is the CorpID.
    if (error instanceof SignatureError) {
      throw new SignatureError("the encrypted message is addressed to another CorpID", { cause: error });
    }
    throw error;
  }
}

/**
 * The echostr exactly as signed. It is base64, so a `+` in it is a plus: the raw query string is
 * percent-decoded without the form rule that turns `+` into a space. Transports that only hand over
 * decoded parameters may have made those spaces already; they are turned back.
 */
export function echostrOf(request: Pick<WebhookRequest, "query" | "rawQueryString">): string | undefined {
  for (const pair of request.rawQueryString.split("&")) {
    const at = pair.indexOf("=");
    if (at < 0 || pair.slice(0, at) !== "echostr") continue;
    try {
      return decodeURIComponent(pair.slice(at + 1));
    } catch {
      throw new MalformedRequestError("echostr is not valid percent-encoding");
    }
  }
  return request.query.echostr?.replaceAll(" ", "+");
}
