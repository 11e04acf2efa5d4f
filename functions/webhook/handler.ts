import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { toApiGatewayResult, toWebhookRequest } from "../../shared/aws/apigw";
import { recordIngressFailure, recordIngressResult } from "../../shared/aws/logging";
import type { MetricsSink } from "../../shared/aws/metrics-emf";
import { acceptWebhook, errorResponse, type IngressDeps } from "../../shared/channels/ingress";

/** What the webhook is made of: the ingress path's ports, the transport's body cap, logs and metrics. */
export interface WebhookDeps {
  ingress: IngressDeps;
  /** The largest body any channel accepts; each channel's adapter enforces its own limit. */
  transportLimitBytes: number;
  logger: Logger;
  /** EMF lines (EmfMetrics) in the Lambda; Powertools' Metrics would do as well. */
  metrics: MetricsSink;
}

/**
 * Webhook for every channel: `/webhooks/{channel}`. Verifies, normalises and enqueues, and
 * acknowledges within the platform's deadline; never answers here (the worker does).
 *
 * No middy: what its Powertools middlewares did is done here (the Lambda context on every log line,
 * the metrics published however the request ends), without loading middy and its web streams at every
 * cold start.
 */
export function makeHandler(deps: WebhookDeps) {
  const { logger, metrics } = deps;

  async function webhook(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const channel = event.pathParameters?.channel ?? event.rawPath.split("/").pop() ?? "";
    metrics.addMetric("WebhookRequests", "Count", 1);
    try {
      const request = toWebhookRequest(event, deps.transportLimitBytes);
      const result = await acceptWebhook(channel, request, deps.ingress);
      recordIngressResult(deps, "webhook", result, { channel });
      return toApiGatewayResult(result.response);
    } catch (error) {
      recordIngressFailure(deps, "webhook", error, { channel });
      return toApiGatewayResult(errorResponse(error));
    }
  }

  return async function handler(
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    logger.refreshSampleRateCalculation();
    logger.addContext(context);
    try {
      return await webhook(event);
    } finally {
      // Only when some are stored: the local stack runs concurrent invocations over one Metrics, and
      // an empty publish prints Powertools' "No application metrics to publish" warning.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
