import { randomBytes } from "node:crypto";
import { type DingTalkCredentials, robotCodeOf } from "../../shared/channels/dingtalk/credentials";
import { encryptReply, robotSign } from "../../shared/channels/dingtalk/inbound";
import { encodeSession } from "../simulator/dingtalk";
import type { PlatformRequest } from "./wechat";

/**
 * Plays DingTalk's side of the webhook: robot messages in HTTP mode, signed with the app secret
 * exactly as DingTalk signs them, and encrypted event pushes. The message's session webhook points at
 * the local simulator. Used by `npm run chat -- --channel dingtalk` and the end-to-end tests.
 */
export interface DingTalkRobotMessage {
  /** The customer's userId (senderStaffId). */
  userId: string;
  text: string;
  nick?: string;
  msgId?: string;
  /** Group chat ("2"): the text is prefixed with an @-mention of the robot when `mention` is true. */
  group?: { conversationId: string; mention: boolean };
  /** When DingTalk signed the delivery (a re-delivery keeps the message's createAt, not this). */
  signedAt?: Date;
  createdAt?: Date;
  /** How long the session webhook stays valid (DingTalk: about 90 minutes). */
  sessionTtlMs?: number;
}

const ROBOT_USER_ID = "$:LWCP_v1:$kefuLocalRobot";

export function dingtalkRobotMessage(
  credentials: DingTalkCredentials,
  publicUrl: string,
  message: DingTalkRobotMessage,
): PlatformRequest {
  const createdAt = message.createdAt ?? new Date();
  const signedAt = message.signedAt ?? new Date();
  const conversationId =
    message.group?.conversationId ?? `cidLocalSingle${Buffer.from(message.userId).toString("base64url")}`;
  const session = encodeSession({
    to: message.userId,
    conversationId,
    expiresAt: createdAt.getTime() + (message.sessionTtlMs ?? 90 * 60_000),
  });
  const body = {
    conversationId,
    conversationType: message.group ? "2" : "1",
    ...(message.group ? { conversationTitle: "Kefu 本地测试群", isInAtList: message.group.mention } : {}),
    chatbotCorpId: "dingkefulocalcorp",
    chatbotUserId: ROBOT_USER_ID,
    robotCode: robotCodeOf(credentials),
    msgId: message.msgId ?? newMsgId(),
    msgtype: "text",
    text: { content: message.group?.mention ? `@Kefu ${message.text}` : message.text },
    createAt: createdAt.getTime(),
    senderId: `$:LWCP_v1:$${Buffer.from(message.userId).toString("base64url")}`,
    senderStaffId: message.userId,
    senderNick: message.nick ?? message.userId,
    senderCorpId: "dingkefulocalcorp",
    isAdmin: false,
    sessionWebhook: `${publicUrl.replace(/\/+$/, "")}/sim/dingtalk/robot/sendBySession?session=${session}`,
    sessionWebhookExpiredTime: createdAt.getTime() + (message.sessionTtlMs ?? 90 * 60_000),
  };
  return signedRobotPost(credentials, body, signedAt);
}

/** A robot message body posted as DingTalk posts it in HTTP mode: signed with the app secret at `signedAt`. */
export function signedRobotPost(
  credentials: DingTalkCredentials,
  body: Record<string, unknown>,
  signedAt: Date,
): PlatformRequest {
  const timestamp = String(signedAt.getTime());
  return {
    method: "POST",
    path: "/webhooks/dingtalk",
    headers: {
      "content-type": "application/json; charset=utf-8",
      timestamp,
      sign: robotSign(credentials.KEFU_DINGTALK_APP_SECRET, timestamp),
    },
    body: JSON.stringify(body),
  };
}

/** An event subscription push (`check_url` and the like), encrypted and signed as DingTalk sends it. */
export function dingtalkEventPush(
  credentials: DingTalkCredentials,
  event: Record<string, unknown>,
  at: Date = new Date(),
): PlatformRequest {
  const sealed = encryptReply(
    {
      token: credentials.KEFU_DINGTALK_TOKEN,
      aesKey: credentials.KEFU_DINGTALK_AES_KEY,
      ownerKey: credentials.KEFU_DINGTALK_APP_KEY,
    },
    JSON.stringify(event),
    { timestamp: String(at.getTime()) },
  );
  const query = new URLSearchParams({
    msg_signature: sealed.msg_signature,
    timestamp: sealed.timeStamp,
    nonce: sealed.nonce,
  });
  return {
    method: "POST",
    path: `/webhooks/dingtalk?${query}`,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ encrypt: sealed.encrypt }),
  };
}

/** DingTalk msgIds look like `msgXXXX…` (base64-ish); random ones never collide across runs. */
export function newMsgId(): string {
  return `msg${randomBytes(16).toString("base64url")}`;
}
