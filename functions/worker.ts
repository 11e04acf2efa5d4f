import { processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { s3Client } from "../shared/aws";
import { processMessage } from "../shared/core/pipeline";
import { readQueueBody, s3QueueBodyStore } from "../shared/queue-bodies";
import { createRuntime } from "../shared/runtime";
import { createPipelineDeps } from "../shared/worker";

// Cold start: configuration, clients, stores and the engine cache, made once.
const runtime = createRuntime();
const { logger, metrics } = runtime;
const deps = createPipelineDeps(runtime);
// Bodies too large for the queue come by reference to the FAQ bucket (shared/queue-body.ts).
const bodies = s3QueueBodyStore(s3Client(runtime.config), runtime.config.KEFU_FAQ_BUCKET);

async function handleRecord(record: SQSRecord): Promise<void> {
  const message = await readQueueBody(record.body, bodies);
  const outcome = await processMessage(message, deps);
  // One EMF record per message, so that a batch mixing channels reports each under its own channel:
  // containment, hand-off reasons and channel mix come from these.
  const perChannel = metrics.singleMetric();
  perChannel.addDimension("channel", message.channel);
  perChannel.addMetric(`Outcome_${outcome.action}`, MetricUnit.Count, 1);
  if (outcome.action === "handed_off") {
    const reason = metrics.singleMetric();
    reason.addDimensions({ channel: message.channel, reason: outcome.reason });
    reason.addMetric("Handoffs", MetricUnit.Count, 1);
  }
  logger.info("message processed", {
    channel: message.channel,
    messageId: message.id,
    receiveCount: record.attributes.ApproximateReceiveCount,
    ...outcome,
  });
}

/**
 * SQS FIFO batch handler with partial failures: a failed record (and the later records of its
 * conversation, to keep order) returns to the queue and is retried, then goes to the dead-letter queue.
 * Other conversations in the batch are unaffected.
 */
export async function worker(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  metrics.addMetric("RecordsReceived", MetricUnit.Count, event.Records.length);
  const processor = new SqsFifoPartialProcessorAsync();
  return processPartialResponse(event, handleRecord, processor, { context, skipGroupOnError: true });
}

export const handler = middy(worker).use(injectLambdaContext(logger)).use(logMetrics(metrics));
