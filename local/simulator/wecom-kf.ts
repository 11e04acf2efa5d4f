import { randomBytes } from "node:crypto";
import type { WeComKfCredentials } from "../../shared/channels/wecom-kf/credentials";
import type { KfMessage } from "../../shared/channels/wecom-kf/normalise";
import type { ChannelSimulator, Outbox, SimulatorRequest, SimulatorResponse } from "./outbox";
import { errcodeFault } from "./outbox";
import { weixinError as error, weComTokens } from "./weixin";

interface Session {
  state: number;
  servicer?: string;
  /** Epoch seconds of the customer's last message. */
  lastCustomerAt?: number;
  sentSinceCustomer: number;
}

/**
 * The 微信客服 API as Kefu uses it, with the session rules enforced so the real sender is held to them:
 * `kf/sync_msg` serves the entries the platform side queued (`POST _platform/messages`, which answers
 * with the callback Token), paged by cursor; `kf/send_msg` accepts at most 5 texts per customer message
 * within 48 h; `kf/send_msg_on_event` takes a welcome code once within 20 s; `kf/service_state/get|trans`
 * keep each customer's session state. Error codes other than the token ones are the simulator's own.
 */
export function wecomKfSimulator(credentials: WeComKfCredentials, outbox: Outbox): ChannelSimulator {
  const tokens = weComTokens(credentials.KEFU_WECOM_KF_CORP_ID, credentials.KEFU_WECOM_KF_SECRET);
  const callbackTokens = new Set<string>();
  const log: KfMessage[] = [];
  const sessions = new Map<string, Session>();
  const welcomeCodes = new Map<string, { openKfId: string; userId: string; expires: number }>();
  const ok = (body: object = {}): SimulatorResponse => ({
    status: 200,
    body: { errcode: 0, errmsg: "ok", ...body },
  });
  const key = (openKfId: unknown, userId: unknown) => `${openKfId}|${userId}`;
  const session = (openKfId: unknown, userId: unknown): Session => {
    const k = key(openKfId, userId);
    const found = sessions.get(k) ?? { state: 4, sentSinceCustomer: 0 };
    sessions.set(k, found);
    return found;
  };

  function receive(entries: KfMessage[]): SimulatorResponse {
    for (const entry of entries) {
      log.push(entry);
      if (entry.origin === 3 && entry.msgtype !== "event") {
        const s = session(entry.open_kfid, entry.external_userid);
        if (s.state === 4) s.state = 0;
        s.lastCustomerAt = entry.send_time ?? Math.floor(Date.now() / 1000);
        s.sentSinceCustomer = 0;
      }
      const event = entry.event;
      if (event?.event_type === "enter_session" && event.welcome_code) {
        welcomeCodes.set(event.welcome_code, {
          openKfId: event.open_kfid ?? "",
          userId: event.external_userid ?? "",
          expires: Date.now() + 20_000,
        });
      }
    }
    const token = `ENC${randomBytes(16).toString("base64url")}`;
    callbackTokens.add(token);
    return ok({ token });
  }

  function sync(payload: { cursor?: string; token?: string; limit?: number; open_kfid?: string }) {
    if (payload.token !== undefined && !callbackTokens.has(payload.token))
      return error(95007, "invalid msg token");
    const fault = outbox.takeFault("wecom-kf:sync_msg");
    if (fault) return errcodeFault(fault, "system busy");
    const start = payload.cursor ? Number.parseInt(payload.cursor.slice(1), 36) : 0;
    if (!Number.isFinite(start) || start < 0 || start > log.length) return error(95009, "invalid cursor");
    const limit = Math.min(Math.max(1, payload.limit ?? 1000), 1000);
    const page: KfMessage[] = [];
    let at = start;
    while (at < log.length && page.length < limit) {
      const entry = log[at++];
      const account = entry?.open_kfid ?? entry?.event?.open_kfid;
      if (entry && (!payload.open_kfid || account === payload.open_kfid)) page.push(entry);
    }
    return ok({ next_cursor: `c${at.toString(36)}`, has_more: at < log.length ? 1 : 0, msg_list: page });
  }

  return {
    channel: "wecom-kf",
    prefix: "/sim/wecom-kf",
    handle(request: SimulatorRequest) {
      if (request.path === "/cgi-bin/gettoken") return tokens.issue(request.query);
      if (request.method !== "POST") return { status: 405, body: { errcode: 405, errmsg: "POST only" } };
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(request.body || "{}");
      } catch {
        return error(47001, "data format error");
      }
      if (request.path === "/_platform/messages") {
        return receive(Array.isArray(payload.messages) ? (payload.messages as KfMessage[]) : []);
      }
      const refused = tokens.refusal(request.query);
      if (refused) return refused;

      switch (request.path) {
        case "/cgi-bin/kf/sync_msg":
          return sync(payload as Parameters<typeof sync>[0]);
        case "/cgi-bin/kf/service_state/get": {
          const s = session(payload.open_kfid, payload.external_userid);
          return ok({ service_state: s.state, servicer_userid: s.servicer ?? "" });
        }
        case "/cgi-bin/kf/service_state/trans": {
          const s = session(payload.open_kfid, payload.external_userid);
          const to = Number(payload.service_state);
          const allowed = s.state <= 1 ? [1, 2, 3, 4] : s.state === 2 ? [3, 4] : s.state === 3 ? [3, 4] : [];
          if (!allowed.includes(to)) return error(95016, "invalid service state transition");
          if (to === 3 && !payload.servicer_userid) return error(95014, "servicer_userid required");
          s.state = to;
          s.servicer = to === 3 ? String(payload.servicer_userid) : undefined;
          return ok(to === 2 || to === 3 ? { msg_code: randomBytes(8).toString("hex") } : {});
        }
        case "/cgi-bin/kf/send_msg_on_event": {
          const code = welcomeCodes.get(String(payload.code));
          welcomeCodes.delete(String(payload.code));
          if (!code || code.expires < Date.now()) return error(95017, "invalid or expired code");
          const text = (payload.text as { content?: unknown } | undefined)?.content;
          if (payload.msgtype !== "text" || typeof text !== "string")
            return error(40008, "invalid message type");
          if (Buffer.byteLength(text, "utf8") > 2048) return error(44004, "content size out of limit");
          outbox.record({ channel: "wecom-kf", to: code.userId, text });
          return ok({ msgid: randomBytes(12).toString("hex") });
        }
        case "/cgi-bin/kf/send_msg": {
          const fault = outbox.takeFault("wecom-kf");
          if (fault) return errcodeFault(fault, "system busy");
          const text = (payload.text as { content?: unknown } | undefined)?.content;
          if (payload.msgtype !== "text" || typeof text !== "string")
            return error(40008, "invalid message type");
          if (Buffer.byteLength(text, "utf8") > 2048) return error(44004, "content size out of limit");
          const s = session(payload.open_kfid, payload.touser);
          const now = Math.floor(Date.now() / 1000);
          if (s.lastCustomerAt === undefined || now - s.lastCustomerAt > 48 * 3600) {
            return error(95018, "session expired: no customer message within 48 hours");
          }
          if (s.sentSinceCustomer >= 5) return error(95019, "at most 5 messages per customer message");
          s.sentSinceCustomer++;
          outbox.record({ channel: "wecom-kf", to: String(payload.touser), text });
          return ok({ msgid: randomBytes(12).toString("hex") });
        }
        default:
          return { status: 404, body: { errcode: 404, errmsg: "unknown simulator path" } };
      }
    },
  };
}
