import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { SQSRecord } from "aws-lambda";
import { s3Client } from "../shared/aws/clients";
import { readQueueBody, s3QueueBodyStore } from "../shared/aws/queue";
import { createRuntime } from "../shared/runtime";
import { createPipelineDeps, createQueueWorker } from "../shared/worker";

// Cold start: configuration, clients, stores and the engine cache, made once.
const runtime = createRuntime();
const { logger, metrics } = runtime;
// Bodies too large for the queue come by reference to the FAQ bucket (shared/queue-bodies.ts).
const bodies = s3QueueBodyStore(s3Client(runtime.config), runtime.config.KEFU_FAQ_BUCKET);

function parseRecord(record: SQSRecord) {
  return readQueueBody(record.body, bodies);
}

/**
 * SQS FIFO batch handler with partial failures: see createQueueWorker. Each message gets what is left
 * of the invocation's time, and every failure is logged by code (and when it goes to the DLQ).
 */
export const worker = createQueueWorker({
  deps: createPipelineDeps(runtime),
  parse: parseRecord,
  logger,
  metrics,
});

export const handler = middy(worker).use(injectLambdaContext(logger)).use(logMetrics(metrics));
