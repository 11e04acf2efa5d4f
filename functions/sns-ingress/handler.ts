import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import middy from "@middy/core";
import type { SNSEvent, SNSEventRecord } from "aws-lambda";
import { recordIngressFailure, recordIngressResult } from "../../shared/aws/logging";
import { publishMetrics } from "../../shared/aws/powertools";
import { acceptNotification, type NotificationIngressDeps } from "../../shared/channels/ingress";
import type { SnsNotification } from "../../shared/channels/ports";

/** What the SNS ingress is made of: the ingress path's ports, logs and metrics. */
export interface SnsIngressDeps {
  ingress: NotificationIngressDeps;
  logger: Logger;
  metrics: Metrics;
}

/**
 * E-mail (SES) and SMS (End User Messaging) arrive through SNS topics subscribed to this function:
 * each record's Message goes to the adapter of the channel owning the topic, then the same path as a
 * webhook request (mask → enqueue). No signature to check: only our topics may invoke it (the Lambda
 * permission is scoped to their ARNs).
 *
 * SNS invokes asynchronously. A record that is not on the queue when this returns makes it throw, so
 * Lambda retries the event (twice, backing off) and then hands it to the on-failure destination; a
 * notification stored by an earlier attempt is enqueued again with the same deduplication id, which
 * SQS drops within five minutes and the worker answers `duplicate` after that. That includes input
 * retrying cannot fix (malformed Message, an unexpected notification type, a body over the limit, a
 * topic no channel owns): it is logged by code at each attempt and kept in the failure queue for an
 * operator, not dropped. What a channel deliberately ignores (spam, auto-replies, SES's setup
 * notification) is logged by code and not retried.
 */
export function makeHandler(deps: SnsIngressDeps) {
  const { logger, metrics } = deps;

  async function accept(record: SNSEventRecord): Promise<void> {
    const notification: SnsNotification = {
      topicArn: record.Sns.TopicArn,
      messageId: record.Sns.MessageId,
      timestamp: record.Sns.Timestamp,
      message: record.Sns.Message,
      ...(record.Sns.Subject ? { subject: record.Sns.Subject } : {}),
      receivedAt: new Date(),
    };
    // Ids of the notification and the topic: safe to log, never its content.
    const ids = { snsMessageId: notification.messageId, topicArn: notification.topicArn };
    metrics.addMetric("NotificationsReceived", MetricUnit.Count, 1);
    try {
      const result = await acceptNotification(notification, deps.ingress);
      recordIngressResult(deps, "notification", result, { channel: result.channel, ...ids });
    } catch (error) {
      // Logged once per attempt (the Message holds personal data: ids only), then thrown, for the retry.
      recordIngressFailure(deps, "notification", error, ids);
      throw error;
    }
  }

  async function snsIngress(event: SNSEvent): Promise<void> {
    // SNS delivers one record per invocation; should there be more, a failure retries them all and the
    // ones already stored are enqueued again under the same deduplication ids (dropped, as above).
    for (const record of event.Records) await accept(record);
  }

  return middy(snsIngress).use(injectLambdaContext(logger)).use(publishMetrics(metrics));
}
