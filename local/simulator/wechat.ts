import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import type { ChannelSimulator, Outbox, SimulatorRequest, SimulatorResponse } from "./outbox";
import { errcodeFault } from "./outbox";
import { weixinError as error, weixinTokens } from "./weixin";

/**
 * The WeChat Official Account API as far as Kefu uses it: `cgi-bin/token` and
 * `cgi-bin/message/custom/send`, with WeChat's error codes for a wrong secret, an unknown or expired
 * token and over-long text, so the real sender code runs unchanged against it.
 */
export function wechatSimulator(credentials: WeChatCredentials, outbox: Outbox): ChannelSimulator {
  const tokens = weixinTokens({
    id: { param: "appid", value: credentials.KEFU_WECHAT_APP_ID, refused: [40013, "invalid appid"] },
    secret: {
      param: "secret",
      value: credentials.KEFU_WECHAT_APP_SECRET,
      refused: [40125, "invalid appsecret"],
    },
    unknownToken: [40001, "invalid credential, access_token is invalid or not latest"],
    withErrcode: false,
  });
  const ok = (body: object): SimulatorResponse => ({ status: 200, body });

  return {
    channel: "wechat",
    prefix: "/sim/wechat",
    handle(request: SimulatorRequest) {
      if (request.path === "/cgi-bin/token") return tokens.issue(request.query);
      if (request.path === "/cgi-bin/message/custom/send" && request.method === "POST") {
        const refused = tokens.refusal(request.query);
        if (refused) return refused;
        const fault = outbox.takeFault("wechat");
        if (fault) return errcodeFault(fault, "system error");
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
