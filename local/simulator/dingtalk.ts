import { randomBytes } from "node:crypto";
import { type DingTalkCredentials, robotCodeOf } from "../../shared/channels/dingtalk/credentials";
import type { ChannelSimulator, Outbox, SimulatorRequest, SimulatorResponse } from "./outbox";
import { errcodeFault } from "./outbox";

/**
 * DingTalk as far as Kefu's robot uses it: the conversation's session webhook (`/robot/sendBySession`)
 * and the OpenAPI (`/v1.0/oauth2/accessToken`, `/v1.0/robot/oToMessages/batchSend`,
 * `/v1.0/robot/groupMessages/send`), with DingTalk's refusals for a wrong secret, a bad token, a foreign
 * robot code and an expired session, so the real sender code runs unchanged against it.
 *
 * A session id is what `local/platforms/dingtalk.ts` put in the message: base64url JSON naming the chat
 * and its expiry, so the simulator needs no state shared with whoever built the message. Any other id is
 * one DingTalk issued, in a real payload posted to the local stack (whose sender maps DingTalk's hosts
 * here): the simulator cannot know its chat or expiry, so it accepts it and files the reply under
 * `session:<id>`.
 */
export interface SimulatedSession {
  /** Who the outbox shows the reply went to: the customer's userId. */
  to: string;
  conversationId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export function encodeSession(session: SimulatedSession): string {
  return Buffer.from(JSON.stringify(session), "utf8").toString("base64url");
}

function decodeSession(value: string | null): SimulatedSession | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as Partial<SimulatedSession>;
    return typeof parsed.to === "string" &&
      typeof parsed.conversationId === "string" &&
      typeof parsed.expiresAt === "number"
      ? (parsed as SimulatedSession)
      : undefined;
  } catch {
    return undefined;
  }
}

/** DingTalk's robot text limit, in bytes. */
const TEXT_LIMIT_BYTES = 20_000;
/** The OpenAPI's msgParam limit, in bytes. */
const MSG_PARAM_LIMIT_BYTES = 15_000;

export function dingtalkSimulator(credentials: DingTalkCredentials, outbox: Outbox): ChannelSimulator {
  const tokens = new Map<string, number>();
  const robotCode = robotCodeOf(credentials);
  const ok = (body: object): SimulatorResponse => ({ status: 200, body });
  const refuse = (status: number, code: string, message: string): SimulatorResponse => ({
    status,
    body: { code, message, requestid: randomBytes(8).toString("hex") },
  });
  const legacy = (errcode: number, errmsg: string): SimulatorResponse => ({
    status: 200,
    body: { errcode, errmsg },
  });

  function json(body: string): Record<string, unknown> | undefined {
    try {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** The text of a message in either shape (session webhook body, or OpenAPI msgKey + msgParam). */
  function textOf(msgtype: unknown, param: Record<string, unknown> | undefined): string | undefined {
    if (!param) return undefined;
    if ((msgtype === "text" || msgtype === "sampleText") && typeof param.content === "string")
      return param.content;
    if (
      (msgtype === "markdown" || msgtype === "sampleMarkdown") &&
      typeof param.text === "string" &&
      typeof param.title === "string" &&
      param.title !== ""
    ) {
      return param.text;
    }
    return undefined;
  }

  function sendBySession(request: SimulatorRequest): SimulatorResponse {
    const id = request.query.get("session");
    const session = decodeSession(id);
    if (!id || (session && session.expiresAt < Date.now())) return legacy(300001, "session不存在或已过期");
    const to = session?.to ?? `session:${id}`;
    const fault = outbox.takeFault("dingtalk");
    if (fault) return errcodeFault(fault, "系统繁忙");
    const body = json(request.body);
    const msgtype = body?.msgtype;
    const text = textOf(
      msgtype,
      typeof msgtype === "string" ? (body?.[msgtype] as Record<string, unknown>) : undefined,
    );
    if (text === undefined) return legacy(40035, "缺少参数 json");
    if (Buffer.byteLength(text, "utf8") > TEXT_LIMIT_BYTES) return legacy(460101, "message too long");
    outbox.record({ channel: "dingtalk", to, text });
    return legacy(0, "ok");
  }

  function openApiSend(request: SimulatorRequest, group: boolean): SimulatorResponse {
    const expiry = tokens.get(request.headers?.["x-acs-dingtalk-access-token"] ?? "");
    if (expiry === undefined || expiry < Date.now())
      return refuse(400, "InvalidAuthentication", "不合法的access_token");
    const fault = outbox.takeFault("dingtalk");
    if (fault) return refuse(fault.status ?? 500, "ServiceUnavailable", "系统繁忙");
    const body = json(request.body);
    if (!body) return refuse(400, "invalidParameter.param.invalid", "参数不合法");
    if (body.robotCode !== robotCode) {
      return refuse(400, "invalidParameter.robotCode.auth", "该应用的appkey与机器人robotCode不匹配");
    }
    const msgParam = typeof body.msgParam === "string" ? body.msgParam : "";
    if (Buffer.byteLength(msgParam, "utf8") > MSG_PARAM_LIMIT_BYTES) {
      return refuse(400, "invalidParameter.msgParam.invalid", "msgParam too long");
    }
    if (body.msgKey !== "sampleText" && body.msgKey !== "sampleMarkdown") {
      return refuse(400, "invalidParameter.msgKey.invalid", "无效的msgKey");
    }
    const text = textOf(body.msgKey, json(msgParam));
    if (text === undefined) return refuse(400, "invalidParameter.msgParam.invalid", "msgParam必须是json格式");
    if (group) {
      if (typeof body.openConversationId !== "string" || !body.openConversationId) {
        return refuse(400, "invalid.openConversationId", "无效的openConversationId");
      }
      outbox.record({ channel: "dingtalk", to: body.openConversationId, text });
      return ok({ processQueryKey: randomBytes(12).toString("base64") });
    }
    const userIds = Array.isArray(body.userIds)
      ? body.userIds.filter((u): u is string => typeof u === "string")
      : [];
    if (userIds.length === 0) return refuse(400, "invalidParameter.userIds.empty", "用户userId列表为空");
    if (userIds.length > 20) return refuse(400, "invalidParameter.userIds.overMax", "用户userId列表超过上限");
    for (const to of userIds) outbox.record({ channel: "dingtalk", to, text });
    return ok({
      processQueryKey: randomBytes(12).toString("base64"),
      invalidStaffIdList: [],
      flowControlledStaffIdList: [],
    });
  }

  return {
    channel: "dingtalk",
    prefix: "/sim/dingtalk",
    handle(request: SimulatorRequest) {
      if (request.method !== "POST") return refuse(404, "NotFound", "unknown simulator path");
      if (request.path === "/robot/sendBySession") return sendBySession(request);
      if (request.path === "/v1.0/oauth2/accessToken") {
        const body = json(request.body);
        if (
          body?.appKey !== credentials.KEFU_DINGTALK_APP_KEY ||
          body?.appSecret !== credentials.KEFU_DINGTALK_APP_SECRET
        ) {
          return refuse(400, "invalidClientIdOrSecret", "无效的appKey或appSecret");
        }
        const token = randomBytes(16).toString("hex");
        tokens.set(token, Date.now() + 7200_000);
        return ok({ accessToken: token, expireIn: 7200 });
      }
      if (request.path === "/v1.0/robot/oToMessages/batchSend") return openApiSend(request, false);
      if (request.path === "/v1.0/robot/groupMessages/send") return openApiSend(request, true);
      return refuse(404, "NotFound", "unknown simulator path");
    },
  };
}
