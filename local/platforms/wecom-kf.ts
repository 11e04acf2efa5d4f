import { randomBytes } from "node:crypto";
import type { WeComKfCredentials } from "../../shared/channels/wecom-kf/credentials";
import type { KfMessage } from "../../shared/channels/wecom-kf/normalise";
import type { PlatformRequest } from "./wechat";
import { signedWeComPost } from "./wecom";

/**
 * Plays WeCom 微信客服's side: the platform keeps a customer's message and only calls back
 * "kf_msg_or_event" with a Token; Kefu then pulls the message with kf/sync_msg. Locally the message is
 * handed to the simulator first (it answers with the Token), then the signed, encrypted callback is built.
 */
export const DEMO_OPEN_KFID = "wkKefuDemo000000000000000000001";

export function kfCustomerText(
  userId: string,
  text: string,
  options: { openKfId?: string; msgId?: string; at?: Date } = {},
): KfMessage {
  return {
    msgid: options.msgId ?? `kfmsg_${randomBytes(10).toString("hex")}`,
    open_kfid: options.openKfId ?? DEMO_OPEN_KFID,
    external_userid: userId,
    send_time: Math.floor((options.at ?? new Date()).getTime() / 1000),
    origin: 3,
    msgtype: "text",
    text: { content: text },
  };
}

/** enter_session as sync_msg returns it: a system event (origin 4) with a 20-second welcome_code. */
export function kfEnterSession(
  userId: string,
  options: { openKfId?: string; welcomeCode?: string; at?: Date } = {},
): KfMessage {
  const openKfId = options.openKfId ?? DEMO_OPEN_KFID;
  return {
    msgid: `kfevt_${randomBytes(10).toString("hex")}`,
    send_time: Math.floor((options.at ?? new Date()).getTime() / 1000),
    origin: 4,
    msgtype: "event",
    event: {
      event_type: "enter_session",
      open_kfid: openKfId,
      external_userid: userId,
      scene: "kefu_demo",
      welcome_code: options.welcomeCode ?? randomBytes(12).toString("hex"),
    },
  };
}

/** The callback WeCom posts when an account has something new: signed, encrypted, CorpID inside. */
export function kfCallback(
  credentials: WeComKfCredentials,
  options: { token: string; openKfId?: string; at?: Date },
): PlatformRequest {
  const createTime = Math.floor((options.at ?? new Date()).getTime() / 1000);
  const corpId = credentials.KEFU_WECOM_KF_CORP_ID;
  const plain = `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[${options.token}]]></Token><OpenKfId><![CDATA[${options.openKfId ?? DEMO_OPEN_KFID}]]></OpenKfId></xml>`;
  const keys = { token: credentials.KEFU_WECOM_KF_TOKEN, aesKey: credentials.KEFU_WECOM_KF_AES_KEY, corpId };
  // 微信客服 callbacks carry an empty AgentID.
  return signedWeComPost(keys, "/webhooks/wecom-kf", plain, createTime, "");
}

/**
 * Stores the entries at the local 微信客服 simulator (as WeCom stores a customer's message) and returns
 * the callback that tells Kefu to pull them.
 */
export async function kfDeliver(
  baseUrl: string,
  credentials: WeComKfCredentials,
  messages: KfMessage[],
): Promise<PlatformRequest> {
  const response = await fetch(`${baseUrl}/sim/wecom-kf/_platform/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages }),
  });
  const body = (await response.json()) as { token?: string };
  if (!response.ok || !body.token)
    throw new Error(`the 微信客服 simulator refused the messages (${response.status})`);
  const openKfId = messages[0]?.open_kfid ?? messages[0]?.event?.open_kfid;
  return kfCallback(credentials, { token: body.token, ...(openKfId ? { openKfId } : {}) });
}
