import { createHmac } from "node:crypto";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { RawCredentials } from "../channels/credentials";
import type { AlertSettings } from "../config/desk";
import { callSignal } from "../core/deadline";
import { deskTicketUrl } from "../core/desk/routes";
import type { DeskAlert } from "../core/desk/ticket-care";
import { type AlertIds, publishAlert } from "./notify";

/**
 * Alerts to agents and supervisors where they already are: a WeCom group robot, a DingTalk group robot
 * (signed as DingTalk requires) and e-mail through the SNS topic, each on when configured. The robots'
 * secrets come from the credentials secret, like the channels': `KEFU_ALERT_WECOM_KEY` (the `key` of
 * the robot's webhook URL), `KEFU_ALERT_DINGTALK_TOKEN` (its `access_token`) and
 * `KEFU_ALERT_DINGTALK_SECRET` (the `SEC…` signing secret). An alert carries the ticket id, an opaque
 * conversation id, the reason, the priority and a desk link: never the customer's identity or words.
 */

export const ALERT_SECRET_KEYS = {
  wecomKey: "KEFU_ALERT_WECOM_KEY",
  dingtalkToken: "KEFU_ALERT_DINGTALK_TOKEN",
  dingtalkSecret: "KEFU_ALERT_DINGTALK_SECRET",
} as const;

/** The longest one robot call may take. */
const ROBOT_TIMEOUT_MS = 3_000;

/** A robot or the topic refused or failed an alert. */
export class AlertDeliveryError extends Error {
  readonly code = "alert_failed";
  constructor(
    readonly sink: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${sink}: ${message}`, options);
    this.name = "AlertDeliveryError";
  }
}

const HEADLINES: Record<DeskAlert["kind"], string> = {
  ticket_opened: "新工单 New ticket",
  sla_breached: "SLA 超时 SLA breached",
  ticket_reopened: "工单重开 Ticket reopened",
};

/** The alert's text, the same on every robot: ids and labels only. */
export function alertText(alert: DeskAlert, conversationId: string | undefined, deskUrl?: string): string {
  const lines = [
    `[Kefu] ${HEADLINES[alert.kind]}: ${alert.ticketId}`,
    `优先级 priority: ${alert.priority} · 原因 reason: ${alert.reason} · 渠道 channel: ${alert.channel}`,
  ];
  if (alert.breached?.length) lines.push(`超时 breached: ${alert.breached.join(", ")}`);
  if (alert.assignee) lines.push(`处理人 agent: ${alert.assignee}`);
  if (conversationId) lines.push(`会话 conversation: ${conversationId}`);
  if (deskUrl) lines.push(deskTicketUrl(deskUrl, alert.ticketId));
  return lines.join("\n");
}

/**
 * DingTalk's robot signature: HMAC-SHA256 of `timestamp + "\n" + secret` under the secret, base64, then
 * URL-encoded (it goes in the query string beside the millisecond `timestamp`). DingTalk refuses a
 * timestamp more than an hour from its clock.
 */
export function dingtalkRobotSign(timestampMs: number, secret: string): string {
  const mac = createHmac("sha256", secret).update(`${timestampMs}\n${secret}`, "utf8").digest("base64");
  return encodeURIComponent(mac);
}

export interface AlerterDeps {
  /** The credentials secret (or, locally, the environment), read per alert: a rotated key is picked up. */
  credentials(): Promise<RawCredentials>;
  settings: AlertSettings;
  sns?: { client: SNSClient; topicArn: string | undefined };
  ids?: AlertIds;
  fetch?: typeof fetch;
  now?: () => Date;
}

/**
 * The alerter: every configured sink gets the alert, independently; it throws (AlertDeliveryError of the
 * first failure) only after trying them all, so a robot that is down never silences the others.
 */
export function createAlerter(deps: AlerterDeps): (alert: DeskAlert) => Promise<void> {
  const http = deps.fetch ?? fetch;
  const now = deps.now ?? (() => new Date());

  async function postRobot(sink: string, url: string, body: unknown): Promise<void> {
    let response: Response;
    try {
      response = await http(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: callSignal(ROBOT_TIMEOUT_MS),
      });
    } catch (cause) {
      throw new AlertDeliveryError(sink, "request failed", { cause });
    }
    const reply = (await response.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
    if (!response.ok || reply.errcode !== 0) {
      throw new AlertDeliveryError(
        sink,
        `refused (HTTP ${response.status}, errcode ${reply.errcode ?? "none"})`,
      );
    }
  }

  return async (alert) => {
    const secrets = await deps.credentials();
    const conversationId = await deps.ids?.conversationId(alert.conversationKey);
    const text = alertText(alert, conversationId, deps.settings.deskUrl);
    const sends: Promise<void>[] = [];

    const wecomKey = secrets[ALERT_SECRET_KEYS.wecomKey];
    if (wecomKey) {
      const url = `${deps.settings.wecomApiBase}/cgi-bin/webhook/send?key=${encodeURIComponent(wecomKey)}`;
      sends.push(postRobot("wecom", url, { msgtype: "text", text: { content: text } }));
    }
    const dingToken = secrets[ALERT_SECRET_KEYS.dingtalkToken];
    if (dingToken) {
      const secret = secrets[ALERT_SECRET_KEYS.dingtalkSecret];
      const timestamp = now().getTime();
      const signature = secret ? `&timestamp=${timestamp}&sign=${dingtalkRobotSign(timestamp, secret)}` : "";
      const url = `${deps.settings.dingtalkApiBase}/robot/send?access_token=${encodeURIComponent(dingToken)}${signature}`;
      sends.push(postRobot("dingtalk", url, { msgtype: "text", text: { content: text } }));
    }
    if (deps.sns?.topicArn) {
      const { client, topicArn } = deps.sns;
      sends.push(
        publishAlert(client, topicArn, alert, conversationId).catch((cause: unknown) => {
          throw new AlertDeliveryError("email", "publish failed", { cause });
        }),
      );
    }
    const failed = (await Promise.allSettled(sends)).find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  };
}
