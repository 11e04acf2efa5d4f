import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { RuntimeSettings } from "../config/fragments";

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
    metrics: new Metrics({ namespace: "Kefu", serviceName: runtime.serviceName }),
  };
}
