import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { MiddlewareObj } from "@middy/core";
import type { IngressResult } from "../channels/ingress";
import type { RuntimeSettings } from "../config/fragments";
import { METRICS } from "../resources";

/** The Powertools logger and metrics of one function, made once per cold start. */
export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

/**
 * A function's logger (at the configured level) and metrics (namespace Kefu, EMF). `logger` replaces the
 * logger: the local stack passes one that also tells it what the functions log.
 */
export function observability(runtime: RuntimeSettings, options: { logger?: Logger } = {}): Observability {
  return {
    logger:
      options.logger ??
      new Logger({
        serviceName: runtime.serviceName,
        ...(runtime.logLevel ? { logLevel: runtime.logLevel } : {}),
      }),
    metrics: new Metrics({ namespace: METRICS.namespace, serviceName: runtime.serviceName }),
  };
}

/**
 * Publishes the metrics an invocation added when it ends (returning or throwing), as Powertools'
 * `logMetrics` does, but only when there are some. The local stack runs a function's handler for
 * several events at once over one Metrics, so the first invocation to end publishes what all of them
 * added and the next finds nothing: `logMetrics` would then print "No application metrics to publish"
 * for an invocation whose metrics did go out. (In Lambda an instance runs one invocation at a time.)
 */
export function publishMetrics(metrics: Metrics): MiddlewareObj {
  const publish = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
}

/**
 * Logs and counts what an ingress (the webhook, the SNS ingress) did with one delivery: each message
 * enqueued (a repeated delivery too: SQS drops it by its deduplication id), and a delivery the channel
 * ignored or refused. `what` starts each log message ("webhook message", "notification ignored"…);
 * `attributes` are ids safe to log, never content.
 */
export function recordIngressResult(
  { logger, metrics }: Observability,
  what: "webhook" | "notification",
  result: Pick<IngressResult, "messages" | "ignored">,
  attributes: { channel: string } & Record<string, unknown>,
): void {
  for (const m of result.messages) {
    metrics.addMetric("MessagesEnqueued", MetricUnit.Count, 1);
    logger.info(`${what} message`, { ...attributes, messageKey: m.key, result: m.result });
  }
  if (result.ignored) {
    const { code, refused, detail } = result.ignored;
    metrics.addMetric(refused ? "RefusedSenders" : "IgnoredDeliveries", MetricUnit.Count, 1);
    logger[refused ? "warn" : "info"](refused ? `${what} refused sender` : `${what} ignored`, {
      ...attributes,
      code,
      ...detail,
    });
  }
}
