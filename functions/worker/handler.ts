import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import middy from "@middy/core";
import { publishMetrics } from "../../shared/aws/powertools";
import { createQueueWorker, type QueueWorkerOptions } from "./queue-worker";

/** What the worker is made of: the pipeline's ports, how a record is read, logs and metrics. */
export type WorkerDeps = Omit<QueueWorkerOptions, "logger" | "metrics"> & {
  logger: Logger;
  metrics: Metrics;
};

/**
 * SQS FIFO batch handler with partial failures (see createQueueWorker). Each message gets what is left
 * of the invocation's time, and every failure is logged by code (and when it goes to the DLQ).
 */
export function makeHandler(deps: WorkerDeps) {
  return middy(createQueueWorker(deps))
    .use(injectLambdaContext(deps.logger))
    .use(publishMetrics(deps.metrics));
}
