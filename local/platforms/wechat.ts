import { randomBytes } from "node:crypto";
import { type WeChatCredentials, wechatEncryptionMode } from "../../shared/channels/wechat/credentials";
import { encryptMessage, wechatSignature } from "../../shared/channels/weixin/crypto";

/**
 * Plays the WeChat platform's side of the webhook: builds a push exactly as WeChat sends it in safe
 * (encrypted) mode, signed with the account's token, or in plaintext mode for an account configured
 * without an EncodingAESKey. Used by `npm run chat` and the end-to-end tests.
 */
export interface PlatformRequest {
  method: "GET" | "POST";
  /** Path and query string, e.g. `/webhooks/wechat?signature=…`. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface WeChatPush {
  openId: string;
  text?: string;
  msgId?: string;
  event?: string;
  msgType?: "text" | "event" | "image" | "voice";
  at?: Date;
}

const ACCOUNT = "gh_kefu_demo";

/** Sends a platform's request to a running stack at `baseUrl`, as the platform would; its answer read. */
export async function sendTo(
  baseUrl: string,
  request: PlatformRequest,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  return { status: response.status, body: await response.text() };
}

export function wechatPush(credentials: WeChatCredentials, push: WeChatPush): PlatformRequest {
  const at = push.at ?? new Date();
  const createTime = Math.floor(at.getTime() / 1000);
  const msgType = push.msgType ?? (push.event ? "event" : "text");
  const fields =
    msgType === "event"
      ? `<Event><![CDATA[${push.event}]]></Event>`
      : msgType === "image"
        ? `<PicUrl><![CDATA[https://mmbiz.example/pic.jpg]]></PicUrl><MediaId><![CDATA[media-${createTime}]]></MediaId><MsgId>${push.msgId ?? newMsgId()}</MsgId>`
        : `<Content><![CDATA[${push.text ?? ""}]]></Content><MsgId>${push.msgId ?? newMsgId()}</MsgId>`;
  const plain = `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${push.openId}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[${msgType}]]></MsgType>${fields}</xml>`;
  const timestamp = String(createTime);
  const nonce = randomBytes(6).toString("hex");
  const token = credentials.KEFU_WECHAT_TOKEN;
  const aesKey = credentials.KEFU_WECHAT_AES_KEY;
  if (wechatEncryptionMode(credentials) === "plaintext" || !aesKey) {
    const query = new URLSearchParams({
      signature: wechatSignature(token, timestamp, nonce),
      timestamp,
      nonce,
      openid: push.openId,
    });
    return {
      method: "POST",
      path: `/webhooks/wechat?${query}`,
      headers: { "content-type": "text/xml" },
      body: plain,
    };
  }
  const encrypted = encryptMessage(aesKey, plain, credentials.KEFU_WECHAT_APP_ID);
  const query = new URLSearchParams({
    signature: wechatSignature(token, timestamp, nonce),
    timestamp,
    nonce,
    openid: push.openId,
    encrypt_type: "aes",
    msg_signature: wechatSignature(token, timestamp, nonce, encrypted),
  });
  return {
    method: "POST",
    path: `/webhooks/wechat?${query}`,
    headers: { "content-type": "text/xml" },
    body: `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
  };
}

/** WeChat MsgIds are 64-bit: random 19-digit strings exercise the > 2^53 case every time. */
export function newMsgId(): string {
  return `2${Array.from(randomBytes(18), (b) => String(b % 10)).join("")}`;
}
