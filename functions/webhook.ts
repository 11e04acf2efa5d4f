import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { toApiGatewayResult, toWebhookRequest } from "../shared/apigw";
import { s3Client, sqsClient } from "../shared/aws";
import { largestBodyBytes } from "../shared/channels/registry";
import { acceptWebhook, errorResponse, failureLog, fifoIds } from "../shared/ingress";
import { queueBody, s3QueueBodyStore } from "../shared/queue-bodies";
import { createRuntime } from "../shared/runtime";
import { createDedupStore } from "../shared/stores/dedup";

// Cold start: validate configuration and make clients once.
const { config, logger, metrics, doc, channels } = createRuntime();
const sqs = sqsClient(config);
const bodies = s3QueueBodyStore(s3Client(config), config.KEFU_FAQ_BUCKET);
const transportLimit = largestBodyBytes(config.KEFU_MAX_BODY_BYTES);
const deps = {
  adapterFor: (channel: string) => channels.inbound(channel),
  dedup: createDedupStore(doc, config.KEFU_DEDUP_TABLE),
  async enqueue(message: Parameters<typeof fifoIds>[0]) {
    const ids = fifoIds(message);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: config.KEFU_QUEUE_URL,
        MessageBody: await queueBody(message, bodies),
        MessageGroupId: ids.groupId,
        MessageDeduplicationId: ids.deduplicationId,
      }),
    );
  },
};

/** Webhook for every channel: `/webhooks/{channel}`. Acknowledges within the platform's deadline. */
export async function webhook(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const channel = event.pathParameters?.channel ?? event.rawPath.split("/").pop() ?? "";
  metrics.addMetric("WebhookRequests", MetricUnit.Count, 1);
  try {
    const request = toWebhookRequest(event, transportLimit);
    const result = await acceptWebhook(channel, request, deps);
    for (const m of result.messages) {
      metrics.addMetric(
        m.result === "enqueued" ? "MessagesEnqueued" : "DuplicateDeliveries",
        MetricUnit.Count,
        1,
      );
      // A claim left unmarked makes the platform's retries within its lease wait (503): worth a warning.
      logger[m.unmarked ? "warn" : "info"]("webhook message", {
        channel,
        messageKey: m.key,
        result: m.result,
        ...(m.unmarked ? { unmarked: m.unmarked } : {}),
      });
    }
    if (result.ignored) {
      const { code, refused, detail } = result.ignored;
      metrics.addMetric(refused ? "RefusedSenders" : "IgnoredDeliveries", MetricUnit.Count, 1);
      logger[refused ? "warn" : "info"](refused ? "webhook refused sender" : "webhook ignored", {
        channel,
        code,
        ...detail,
      });
    }
    return toApiGatewayResult(result.response);
  } catch (error) {
    // Logged once, by code: the body may hold personal data.
    const entry = failureLog(error);
    if (entry.level === "warn") metrics.addMetric("RejectedRequests", MetricUnit.Count, 1);
    if (entry.level === "info") metrics.addMetric("DeferredDeliveries", MetricUnit.Count, 1);
    logger[entry.level](entry.message, { channel, ...entry.attributes });
    return toApiGatewayResult(errorResponse(error));
  }
}

export const handler = middy(webhook).use(injectLambdaContext(logger)).use(logMetrics(metrics));
