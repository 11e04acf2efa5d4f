import { randomBytes } from "node:crypto";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import type { ChannelSimulator, Outbox, SimulatorRequest, SimulatorResponse } from "./outbox";

/**
 * The WeChat Official Account API as far as Kefu uses it: `cgi-bin/token` and
 * `cgi-bin/message/custom/send`, with WeChat's error codes for a wrong secret, an unknown or expired
 * token and over-long text, so the real sender code runs unchanged against it.
 */
export function wechatSimulator(credentials: WeChatCredentials, outbox: Outbox): ChannelSimulator {
  const tokens = new Map<string, number>();
  const ok = (body: object): SimulatorResponse => ({ status: 200, body });
  const error = (errcode: number, errmsg: string): SimulatorResponse => ({
    status: 200,
    body: { errcode, errmsg },
  });

  return {
    channel: "wechat",
    prefix: "/sim/wechat",
    handle(request: SimulatorRequest) {
      if (request.path === "/cgi-bin/token") {
        if (request.query.get("appid") !== credentials.KEFU_WECHAT_APP_ID)
          return error(40013, "invalid appid");
        if (request.query.get("secret") !== credentials.KEFU_WECHAT_APP_SECRET)
          return error(40125, "invalid appsecret");
        const token = randomBytes(24).toString("base64url");
        tokens.set(token, Date.now() + 7200_000);
        return ok({ access_token: token, expires_in: 7200 });
      }
      if (request.path === "/cgi-bin/message/custom/send" && request.method === "POST") {
        const expiry = tokens.get(request.query.get("access_token") ?? "");
        if (expiry === undefined)
          return error(40001, "invalid credential, access_token is invalid or not latest");
        if (expiry < Date.now()) return error(42001, "access_token expired");
        const fault = outbox.takeFault("wechat");
        if (fault)
          return {
            status: fault.status ?? 200,
            body: { errcode: fault.errcode ?? -1, errmsg: "system error" },
          };
        let payload: { touser?: string; msgtype?: string; text?: { content?: string } };
        try {
          payload = JSON.parse(request.body);
        } catch {
          return error(47001, "data format error");
        }
        if (!payload.touser) return error(40003, "invalid openid");
        if (payload.msgtype !== "text" || typeof payload.text?.content !== "string") {
          return error(40008, "invalid message type");
        }
        if (Buffer.byteLength(payload.text.content, "utf8") > 2048)
          return error(45002, "content size out of limit");
        outbox.record({ channel: "wechat", to: payload.touser, text: payload.text.content });
        return ok({ errcode: 0, errmsg: "ok" });
      }
      return { status: 404, body: { errcode: 404, errmsg: "unknown simulator path" } };
    },
  };
}
