import { randomBytes } from "node:crypto";
import type { WeComCredentials } from "../../shared/channels/wecom/credentials";
import type { ChannelSimulator, Outbox, SimulatorRequest, SimulatorResponse } from "./outbox";
import { errcodeFault } from "./outbox";
import { weixinError as error, weComTokens } from "./weixin";

/**
 * The WeCom server API as the self-built app channel uses it: `cgi-bin/gettoken` and
 * `cgi-bin/message/send`, with WeCom's error codes for a wrong corp or secret, an unknown or expired
 * token, a wrong AgentId and over-long text, so the real sender runs unchanged against it.
 */
export function wecomSimulator(credentials: WeComCredentials, outbox: Outbox): ChannelSimulator {
  const tokens = weComTokens(credentials.KEFU_WECOM_CORP_ID, credentials.KEFU_WECOM_SECRET);
  /** Request bodies sent with enable_duplicate_check, until their interval ends (epoch ms). */
  const checked = new Map<string, number>();
  const ok = (body: object): SimulatorResponse => ({
    status: 200,
    body: { errcode: 0, errmsg: "ok", ...body },
  });

  return {
    channel: "wecom",
    prefix: "/sim/wecom",
    handle(request: SimulatorRequest) {
      if (request.path === "/cgi-bin/gettoken") return tokens.issue(request.query);
      if (request.path === "/cgi-bin/message/send" && request.method === "POST") {
        const refused = tokens.refusal(request.query);
        if (refused) return refused;
        const fault = outbox.takeFault("wecom");
        if (fault) return errcodeFault(fault, "system busy");
        let payload: { touser?: string; msgtype?: string; agentid?: unknown; text?: { content?: unknown } };
        try {
          payload = JSON.parse(request.body);
        } catch {
          return error(47001, "data format error");
        }
        if (String(payload.agentid) !== credentials.KEFU_WECOM_AGENT_ID)
          return error(40056, "invalid agentid");
        if (!payload.touser) return error(40031, "invalid userid list");
        if (payload.msgtype !== "text" || typeof payload.text?.content !== "string") {
          return error(40008, "invalid message type");
        }
        if (Buffer.byteLength(payload.text.content, "utf8") > 2048)
          return error(44004, "content size out of limit");
        // WeCom's duplicate check (发送应用消息, enable_duplicate_check): a request identical to one taken
        // within duplicate_check_interval seconds (1800 by default) is answered ok and not delivered again.
        const check = payload as { enable_duplicate_check?: unknown; duplicate_check_interval?: unknown };
        if (Number(check.enable_duplicate_check) === 1) {
          const now = Date.now();
          if ((checked.get(request.body) ?? 0) > now)
            return ok({ invaliduser: "", msgid: randomBytes(12).toString("hex") });
          checked.set(request.body, now + (Number(check.duplicate_check_interval) || 1800) * 1000);
        }
        outbox.record({ channel: "wecom", to: payload.touser, text: payload.text.content });
        return ok({
          invaliduser: "",
          invalidparty: "",
          invalidtag: "",
          msgid: randomBytes(12).toString("hex"),
        });
      }
      return { status: 404, body: { errcode: 404, errmsg: "unknown simulator path" } };
    },
  };
}
