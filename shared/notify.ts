import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { callSignal, type Deadline } from "./core/deadline";
import type { HandoffNotice } from "./core/pipeline";

/** The longest one alert may take (the SDK's own retries included). */
const NOTIFY_TIMEOUT_MS = 3_000;

/**
 * Alerts human agents of a new ticket through an SNS topic (e-mail, Slack/Chime via AWS Chatbot, or the
 * agents' desk subscribe to it). The alert carries what an agent needs to decide to pick it up — never
 * the transcript, which stays in the tickets table.
 */
export function snsAgentNotifier(sns: SNSClient, topicArn: string | undefined) {
  return async ({ ticket }: HandoffNotice, options: { deadline?: Deadline } = {}): Promise<void> => {
    if (!topicArn) return;
    await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: `Kefu ticket ${ticket.ticketId} (${ticket.priority}): ${ticket.reason}`.slice(0, 100),
        Message: JSON.stringify({
          type: "kefu.ticket.opened",
          ticketId: ticket.ticketId,
          channel: ticket.channel,
          conversationKey: ticket.conversationKey,
          reason: ticket.reason,
          priority: ticket.priority,
          createdAt: ticket.createdAt,
        }),
        MessageAttributes: {
          priority: { DataType: "String", StringValue: ticket.priority },
          channel: { DataType: "String", StringValue: ticket.channel },
        },
      }),
      // An alert is worth a few seconds of the message's time, not the rest of the invocation.
      { abortSignal: callSignal(NOTIFY_TIMEOUT_MS, options.deadline) },
    );
  };
}
