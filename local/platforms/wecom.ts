import { randomBytes } from "node:crypto";
import type { WeComCredentials } from "../../shared/channels/wecom/credentials";
import { encryptMessage, wechatSignature } from "../../shared/channels/weixin/crypto";
import { newMsgId, type PlatformRequest } from "./wechat";

/**
 * Plays WeCom's side of a self-built app's callback: pushes encrypted and signed exactly as WeCom sends
 * them (msg_signature over the ciphertext, CorpID as the receive id). Used by `npm run chat` and the
 * end-to-end tests.
 */
export interface WeComPush {
  userId: string;
  text?: string;
  msgId?: string;
  event?: string;
  msgType?: "text" | "event" | "image" | "voice";
  at?: Date;
}

export function wecomPush(credentials: WeComCredentials, push: WeComPush): PlatformRequest {
  const at = push.at ?? new Date();
  const createTime = Math.floor(at.getTime() / 1000);
  const msgType = push.msgType ?? (push.event ? "event" : "text");
  const agentId = credentials.KEFU_WECOM_AGENT_ID;
  const msgId = `<MsgId>${push.msgId ?? newMsgId()}</MsgId>`;
  const fields =
    msgType === "event"
      ? `<Event><![CDATA[${push.event}]]></Event><EventKey><![CDATA[]]></EventKey>`
      : msgType === "image"
        ? `<PicUrl><![CDATA[https://wework.qpic.example/pic.jpg]]></PicUrl><MediaId><![CDATA[media-${createTime}]]></MediaId>${msgId}`
        : msgType === "voice"
          ? `<MediaId><![CDATA[media-${createTime}]]></MediaId><Format><![CDATA[amr]]></Format>${msgId}`
          : `<Content><![CDATA[${push.text ?? ""}]]></Content>${msgId}`;
  const corpId = credentials.KEFU_WECOM_CORP_ID;
  const plain = `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><FromUserName><![CDATA[${push.userId}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[${msgType}]]></MsgType>${fields}<AgentID>${agentId}</AgentID></xml>`;
  const keys = { token: credentials.KEFU_WECOM_TOKEN, aesKey: credentials.KEFU_WECOM_AES_KEY, corpId };
  return signedWeComPost(keys, "/webhooks/wecom", plain, createTime, agentId);
}

/** The GET request WeCom sends when the callback URL is saved in the admin console. */
export function wecomUrlCheck(credentials: WeComCredentials, echo: string, at = new Date()): PlatformRequest {
  const echostr = encryptMessage(credentials.KEFU_WECOM_AES_KEY, echo, credentials.KEFU_WECOM_CORP_ID);
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const nonce = randomBytes(6).toString("hex");
  const query = new URLSearchParams({
    msg_signature: wechatSignature(credentials.KEFU_WECOM_TOKEN, timestamp, nonce, echostr),
    timestamp,
    nonce,
    echostr,
  });
  return { method: "GET", path: `/webhooks/wecom?${query}`, headers: {}, body: "" };
}

/** The callback keys of a WeCom app or 微信客服 account: what WeCom encrypts and signs a push with. */
export interface WeComCallbackKeys {
  token: string;
  aesKey: string;
  corpId: string;
}

/** A push as WeCom posts it: the plaintext encrypted for the CorpID, signed with `msg_signature`. */
export function signedWeComPost(
  keys: WeComCallbackKeys,
  path: string,
  plain: string,
  createTime: number,
  agentId: string,
): PlatformRequest {
  const encrypted = encryptMessage(keys.aesKey, plain, keys.corpId);
  const timestamp = String(createTime);
  const nonce = randomBytes(6).toString("hex");
  const query = new URLSearchParams({
    msg_signature: wechatSignature(keys.token, timestamp, nonce, encrypted),
    timestamp,
    nonce,
  });
  return {
    method: "POST",
    path: `${path}?${query}`,
    headers: { "content-type": "text/xml" },
    body: `<xml><ToUserName><![CDATA[${keys.corpId}]]></ToUserName><AgentID><![CDATA[${agentId}]]></AgentID><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
  };
}
