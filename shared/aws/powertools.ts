import type { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { MiddlewareObj } from "@middy/core";
import type { RuntimeSettings } from "../config/fragments";
import { METRICS } from "../resources";
import { functionLogger } from "./logging";

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
    logger: options.logger ?? functionLogger(runtime),
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
