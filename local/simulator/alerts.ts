import { dingtalkRobotSign } from "../../shared/aws/alerts";
import type { ChannelSimulator, SimulatorResponse } from "./outbox";

/** An alert as a group robot received it: `GET /dev/alerts`. */
export interface RecordedAlert {
  robot: "wecom" | "dingtalk";
  text: string;
  at: string;
}

/** The local stack's robot secrets (the environment's, or these demo values). */
export const DEMO_ALERT_SECRETS = {
  KEFU_ALERT_WECOM_KEY: "demo-wecom-robot-key",
  KEFU_ALERT_DINGTALK_TOKEN: "demo-dingtalk-robot-token",
  KEFU_ALERT_DINGTALK_SECRET: "SECdemo0dingtalk0robot0signing0secret",
} as const;

/** DingTalk refuses a timestamp more than an hour from its clock. */
const DINGTALK_SKEW_MS = 60 * 60_000;

/**
 * The WeCom and DingTalk group robots as far as alerts use them (`/cgi-bin/webhook/send?key=`,
 * `/robot/send?access_token=&timestamp=&sign=`), refusing a wrong key, token or signature the way the
 * platforms do (WeCom errcode 93000, DingTalk 300001 / 310000), and recording what they accepted.
 */
export function alertsSimulator(
  secrets: { wecomKey?: string; dingtalkToken?: string; dingtalkSecret?: string },
  recorded: RecordedAlert[],
): ChannelSimulator {
  const reply = (errcode: number, errmsg: string): SimulatorResponse => ({
    status: 200,
    body: { errcode, errmsg },
  });
  const textOf = (body: string): string | undefined => {
    try {
      const parsed = JSON.parse(body) as { msgtype?: string; text?: { content?: unknown } };
      return parsed.msgtype === "text" && typeof parsed.text?.content === "string"
        ? parsed.text.content
        : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    channel: "alerts",
    prefix: "/sim/alerts",
    handle({ method, path, query, body }) {
      if (method !== "POST") return { status: 405, body: { errcode: 405, errmsg: "method not allowed" } };
      const text = textOf(body);
      if (path === "/wecom/cgi-bin/webhook/send") {
        if (!secrets.wecomKey || query.get("key") !== secrets.wecomKey)
          return reply(93000, "invalid webhook url");
        if (!text) return reply(40008, "invalid message type");
        recorded.push({ robot: "wecom", text, at: new Date().toISOString() });
        return reply(0, "ok");
      }
      if (path === "/dingtalk/robot/send") {
        if (!secrets.dingtalkToken || query.get("access_token") !== secrets.dingtalkToken) {
          return reply(300001, "token is not exist");
        }
        if (secrets.dingtalkSecret) {
          const timestamp = Number(query.get("timestamp"));
          const sign = query.get("sign") ?? "";
          const fresh = Number.isFinite(timestamp) && Math.abs(Date.now() - timestamp) <= DINGTALK_SKEW_MS;
          // URLSearchParams decoded the sign once; DingTalk compares the URL-encoded form.
          if (!fresh || encodeURIComponent(sign) !== dingtalkRobotSign(timestamp, secrets.dingtalkSecret)) {
            return reply(310000, "sign not match");
          }
        }
        if (!text) return reply(40035, "invalid message type");
        recorded.push({ robot: "dingtalk", text, at: new Date().toISOString() });
        return reply(0, "ok");
      }
      return { status: 404, body: { errcode: 404, errmsg: "not found" } };
    },
  };
}
