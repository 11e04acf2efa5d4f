import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { HandoffNotice } from "./core/pipeline";

/**
 * Alerts human agents of a new ticket through an SNS topic (e-mail, Slack/Chime via AWS Chatbot, or the
 * agents' desk subscribe to it). The alert carries what an agent needs to decide to pick it up — never
 * the transcript, which stays in the tickets table.
 */
export function snsAgentNotifier(sns: SNSClient, topicArn: string | undefined) {
  return async ({ ticket }: HandoffNotice): Promise<void> => {
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
    );
  };
}
