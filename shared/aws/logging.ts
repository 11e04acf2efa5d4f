import { Logger } from "@aws-lambda-powertools/logger";
import { failureLog, type IngressResult } from "../channels/ingress";
import type { RuntimeSettings } from "../config/fragments";
import type { MetricsSink } from "./metrics-emf";

/** A function's Powertools logger, at the configured level. */
export function functionLogger(runtime: RuntimeSettings): Logger {
  return new Logger({
    serviceName: runtime.serviceName,
    ...(runtime.logLevel ? { logLevel: runtime.logLevel } : {}),
  });
}

/**
 * Logs and counts what an ingress (the webhook, the SNS ingress) did with one delivery: each message
 * enqueued (a repeated delivery too: SQS drops it by its deduplication id), and a delivery the channel
 * ignored or refused. `what` starts each log message ("webhook message", "notification ignored"…);
 * `attributes` are ids safe to log, never content.
 */
export function recordIngressResult(
  { logger, metrics }: { logger: Logger; metrics: MetricsSink },
  what: "webhook" | "notification",
  result: Pick<IngressResult, "messages" | "ignored">,
  attributes: { channel: string } & Record<string, unknown>,
): void {
  for (const m of result.messages) {
    metrics.addMetric("MessagesEnqueued", "Count", 1);
    logger.info(`${what} message`, { ...attributes, messageKey: m.key, result: m.result });
  }
  if (result.ignored) {
    const { code, refused, detail } = result.ignored;
    metrics.addMetric(refused ? "RefusedSenders" : "IgnoredDeliveries", "Count", 1);
    logger[refused ? "warn" : "info"](refused ? `${what} refused sender` : `${what} ignored`, {
      ...attributes,
      code,
      ...detail,
    });
  }
}

/** The metric each ingress counts its refusals under. */
const REJECTED_METRIC = { webhook: "RejectedRequests", notification: "RejectedNotifications" } as const;

/**
 * Logs a delivery an ingress failed on, once, by code (failureLog): a refusal at WARN, also counted; a
 * fault at ERROR with its cause. `attributes` are ids safe to log, never the body: it may hold personal
 * data.
 */
export function recordIngressFailure(
  { logger, metrics }: { logger: Logger; metrics: MetricsSink },
  what: "webhook" | "notification",
  error: unknown,
  attributes: Record<string, unknown>,
): void {
  const entry = failureLog(error, what);
  if (entry.level === "warn") metrics.addMetric(REJECTED_METRIC[what], "Count", 1);
  logger[entry.level](entry.message, { ...attributes, ...entry.attributes });
}
