import { createHmac, randomBytes } from "node:crypto";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { callSignal, type Deadline } from "../core/deadline";
import type { DeskAlert } from "../core/desk/ticket-care";
import type { HandoffNotice } from "../core/pipeline/ports";
import { clientOptions, type Endpoints } from "./clients";

export function snsClient(runtime: Endpoints): SNSClient {
  return new SNSClient(clientOptions(runtime, runtime.endpoints.aws));
}

/** The longest one alert may take (the SDK's own retries included). */
const NOTIFY_TIMEOUT_MS = 3_000;

/**
 * Alerts human agents of a new ticket through an SNS topic (e-mail, Slack/Chime via AWS Chatbot, or the
 * agents' desk subscribe to it). The alert carries what an agent needs to decide to pick it up — never
 * the transcript, which stays in the tickets table, and never the conversation key, which holds the
 * customer's phone number on SMS: an opaque conversation id tells alerts of one conversation apart.
 */
export function snsAgentNotifier(sns: SNSClient, topicArn: string | undefined, ids?: AlertIds) {
  return async ({ ticket }: HandoffNotice, options: { deadline?: Deadline } = {}): Promise<void> => {
    if (!topicArn) return;
    const conversationId = await ids?.conversationId(ticket.conversationKey);
    await publishAlert(sns, topicArn, { ...ticket, kind: "ticket_opened" }, conversationId, options);
  };
}

const SNS_TYPES: Record<DeskAlert["kind"], string> = {
  ticket_opened: "kefu.ticket.opened",
  sla_breached: "kefu.ticket.sla_breached",
  ticket_reopened: "kefu.ticket.reopened",
};

/**
 * One alert on the agents' topic (e-mail subscribers read the subject; the JSON body is for machines):
 * ids, reason, priority and channel, never the conversation key or the customer's words.
 */
export async function publishAlert(
  sns: SNSClient,
  topicArn: string,
  alert: Pick<
    DeskAlert,
    "kind" | "ticketId" | "channel" | "reason" | "priority" | "breached" | "assignee"
  > & {
    createdAt?: string;
  },
  conversationId: string | undefined,
  options: { deadline?: Deadline } = {},
): Promise<void> {
  const what = alert.kind === "ticket_opened" ? "" : ` ${alert.kind}`;
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: `Kefu ticket ${alert.ticketId}${what} (${alert.priority}): ${alert.reason}`.slice(0, 100),
      Message: JSON.stringify({
        type: SNS_TYPES[alert.kind],
        ticketId: alert.ticketId,
        channel: alert.channel,
        ...(conversationId ? { conversationId } : {}),
        reason: alert.reason,
        priority: alert.priority,
        ...(alert.breached?.length ? { breached: alert.breached } : {}),
        ...(alert.assignee ? { assignee: alert.assignee } : {}),
        ...(alert.createdAt ? { createdAt: alert.createdAt } : {}),
      }),
      MessageAttributes: {
        priority: { DataType: "String", StringValue: alert.priority },
        channel: { DataType: "String", StringValue: alert.channel },
        kind: { DataType: "String", StringValue: alert.kind },
      },
    }),
    // An alert is worth a few seconds of the message's time, not the rest of the invocation.
    { abortSignal: callSignal(NOTIFY_TIMEOUT_MS, options.deadline) },
  );
}

export interface AlertIds {
  /** The same id for the same conversation, from which the conversation key cannot be recovered. */
  conversationId(conversationKey: string): Promise<string>;
}

/** Where the key of the alert ids is kept in the tokens table (apart from tokens and channel state). */
export const ALERT_ID_KEY_NAME = "secret:alert-conversation-id";

/**
 * Conversation ids for alerts: HMAC-SHA256 of the conversation key under a random key made once per
 * deployment and kept in the tokens table. A plain hash would not do: a phone number has so few
 * possible values that its hash is reversed by trying them all. The key is created on first use in one
 * atomic write (`if_not_exists`), so every instance reads the same one.
 */
export function alertIds(doc: DynamoDBDocumentClient, tableName: string): AlertIds {
  let key: Promise<string> | undefined;
  const loadKey = async (): Promise<string> => {
    const { Attributes } = await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { name: ALERT_ID_KEY_NAME },
        UpdateExpression: "SET #value = if_not_exists(#value, :fresh)",
        ExpressionAttributeNames: { "#value": "value" },
        ExpressionAttributeValues: { ":fresh": randomBytes(32).toString("base64") },
        ReturnValues: "ALL_NEW",
      }),
    );
    const value = Attributes?.value;
    if (typeof value !== "string" || !value) throw new Error("the alert id key could not be read");
    return value;
  };
  return {
    async conversationId(conversationKey) {
      key ??= loadKey().catch((error: unknown) => {
        key = undefined;
        throw error;
      });
      const mac = createHmac("sha256", Buffer.from(await key, "base64"))
        .update(conversationKey)
        .digest("hex");
      return `C-${mac.slice(0, 20)}`;
    },
  };
}
