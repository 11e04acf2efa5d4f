import {
  processPartialResponse,
  SqsFifoMessageGroupShortCircuitError,
  SqsFifoPartialProcessorAsync,
  SqsFifoShortCircuitError,
} from "@aws-lambda-powertools/batch";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { mapWithConcurrency } from "../../shared/core/concurrency";
import { BUDGET, Deadline } from "../../shared/core/deadline";
import { describeFailure } from "../../shared/core/failure";
import type { InboundMessage } from "../../shared/core/message";
import { type PipelineOutcome, processMessage } from "../../shared/core/pipeline";
import { escalateUnprocessed } from "../../shared/core/pipeline/escalate";
import type { PipelineDeps } from "../../shared/core/pipeline/ports";
import { INBOUND_QUEUE } from "../../shared/resources";

/** The levels the worker logs at, with structured fields (the Powertools Logger in Lambda). */
export interface WorkerLogger {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

/** What the queue worker needs besides the pipeline: how to read a record, and where to report. */
export interface QueueWorkerOptions {
  pipeline: PipelineDeps;
  /** The InboundMessage a queue record carries; throws when the body is not one. */
  parse(record: SQSRecord): InboundMessage | Promise<InboundMessage>;
  logger: WorkerLogger;
  metrics: Pick<Metrics, "addMetric" | "singleMetric">;
  /** The queue's redrive setting: the receive after which a failed message goes to the dead-letter queue. */
  maxReceiveCount?: number;
  /** Conversations (FIFO message groups) of one batch worked on at once. */
  groupsAtOnce?: number;
}

/**
 * Conversations of a batch worked on at once: all of a batch of 5 (the event source's size), and a
 * bound on the model and channel calls in flight should the batch grow to SQS FIFO's 10.
 */
export const GROUPS_AT_ONCE = 5;

/**
 * The SQS FIFO batch handler with partial failures: a failed record (and the later records of its
 * conversation, to keep order) returns to the queue and is retried, then goes to the dead-letter queue;
 * other conversations in the batch are unaffected. The batch's conversations are worked on at once
 * (up to `groupsAtOnce`), each one's messages in order: one conversation waiting on a slow model or a
 * hung channel call no longer spends the time of those queued behind it in the batch. The invocation's
 * remaining time becomes every message's deadline. Every failure is logged once, by code and the
 * message's ids, never its text.
 */
export function createQueueWorker(options: QueueWorkerOptions) {
  const { pipeline, logger, metrics } = options;
  const maxReceiveCount = options.maxReceiveCount ?? INBOUND_QUEUE.maxReceiveCount;

  async function handleRecord(record: SQSRecord, deadline: Deadline): Promise<void> {
    const message = await options.parse(record);
    let outcome: PipelineOutcome;
    try {
      outcome = await processMessage(message, pipeline, { deadline });
    } catch (error) {
      if (!isPermanent(error)) throw error;
      // DynamoDB refused the record as invalid (too large, malformed): every retry would fail alike.
      metrics.addMetric("MessagesFailedPermanently", MetricUnit.Count, 1);
      logger.error("message failed permanently; not retried", {
        ...recordIds(record),
        ...describeFailure(error),
      });
      return;
    }
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
    // A part resent after a send that got no answer may have reached the customer twice: counted.
    if (outcome.resentUnknownPart !== undefined) {
      metrics.addMetric("PartsResentAfterUnknownOutcome", MetricUnit.Count, 1);
    }
    // A reply that went out without its outbox record is answered; the missing record is worth a warning.
    logger[outcome.unrecorded ? "warn" : "info"]("message processed", { ...recordIds(record), ...outcome });
  }

  /** Why each record of this invocation failed, for the ticket of one that is on its last receive. */
  const failures = new WeakMap<SQSRecord, string>();

  function reportFailure(record: SQSRecord, error: unknown): void {
    const ids = recordIds(record);
    const failure = heldBack(error)
      ? { code: "held_back", detail: "an earlier message of its conversation failed in this batch" }
      : describeFailure(error);
    failures.set(record, [failure.code, failure.detail].filter(Boolean).join(": "));
    if (ids.receiveCount >= maxReceiveCount) {
      metrics.addMetric("MessagesDeadLettered", MetricUnit.Count, 1);
      logger.error("message failed on its last receive; it goes to the dead-letter queue", {
        ...ids,
        maxReceiveCount,
        ...failure,
      });
      return;
    }
    metrics.addMetric("MessagesRetried", MetricUnit.Count, 1);
    logger.warn("message failed; it returns to the queue", { ...ids, maxReceiveCount, ...failure });
  }

  /**
   * The failed records on their last receive go to the dead-letter queue (and its alarm); each is first
   * handed to a person (escalate.ts), so that the customer is not left without an answer or a person.
   * They get the time the messages did not: what is left of the invocation, bar the final flush.
   */
  async function escalateLastReceives(records: SQSRecord[], failed: Set<string>, context: Context) {
    for (const record of records) {
      if (!failed.has(record.messageId) || recordIds(record).receiveCount < maxReceiveCount) continue;
      const deadline = Deadline.in(context.getRemainingTimeInMillis() - BUDGET.flushReserveMs);
      try {
        const message = await options.parse(record);
        const outcome = await escalateUnprocessed(
          message,
          pipeline,
          deadline,
          failures.get(record) ?? "unknown",
        );
        metrics.addMetric("MessagesEscalated", MetricUnit.Count, 1);
        logger.warn("message handed to a person before the dead-letter queue", {
          ...recordIds(record),
          ...outcome,
        });
      } catch (error) {
        metrics.addMetric("EscalationsFailed", MetricUnit.Count, 1);
        logger.error("message could not be handed to a person; only the dead-letter queue has it", {
          ...recordIds(record),
          ...describeFailure(error),
        });
      }
    }
  }

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    metrics.addMetric("RecordsReceived", MetricUnit.Count, event.Records.length);
    const deadline = Deadline.in(context.getRemainingTimeInMillis() - BUDGET.invocationReserveMs);
    // One FIFO processor per conversation: it keeps the conversation's order (a failed record holds
    // back the later ones of its group) while the conversations go on side by side.
    const responses = await mapWithConcurrency(
      messageGroups(event.Records),
      options.groupsAtOnce ?? GROUPS_AT_ONCE,
      async (records) => {
        const response = await processPartialResponse(
          { Records: records },
          (record: SQSRecord) => handleRecord(record, deadline),
          new ReportingFifoProcessor(reportFailure),
          {
            context,
            skipGroupOnError: true,
            // Every failed record is reported as such; a batch that failed whole is no exception to log.
            throwOnFullBatchFailure: false,
          },
        );
        const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        await escalateLastReceives(records, failed, context);
        return response;
      },
    );
    // The batch's analytics events, once its replies are sent: best effort, never throws (EventSink).
    await pipeline.analytics?.flush();
    return { batchItemFailures: responses.flatMap((response) => response.batchItemFailures) };
  };
}

/** The batch's records by message group, in the order the groups first appear; each group in its order. */
function messageGroups(records: SQSRecord[]): SQSRecord[][] {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    // A record without a group (not from a FIFO queue) is a conversation of its own.
    const group = record.attributes.MessageGroupId ?? `record:${record.messageId}`;
    const list = groups.get(group);
    if (list) list.push(record);
    else groups.set(group, [record]);
  }
  return [...groups.values()];
}

/** The FIFO processor, telling `onFailure` of every failed record: its own failures and those held back. */
class ReportingFifoProcessor extends SqsFifoPartialProcessorAsync {
  constructor(private readonly onFailure: (record: SQSRecord, error: unknown) => void) {
    super();
  }

  override failureHandler(...[record, error]: Parameters<SqsFifoPartialProcessorAsync["failureHandler"]>) {
    this.onFailure(record as SQSRecord, error);
    return super.failureHandler(record, error);
  }
}

/** A record failed without being tried because an earlier record of the batch (or its group) failed. */
function heldBack(error: unknown): boolean {
  return error instanceof SqsFifoMessageGroupShortCircuitError || error instanceof SqsFifoShortCircuitError;
}

/** Retrying cannot help: DynamoDB judged the request itself invalid (an item over 400 KB…). */
function isPermanent(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === "ValidationException";
}

/** The ids a log line about a record may carry: never the text, the sender or the conversation key. */
function recordIds(record: SQSRecord): {
  channel?: string;
  messageId?: string;
  sqsMessageId: string;
  receiveCount: number;
} {
  let body: { channel?: unknown; id?: unknown } = {};
  try {
    body = JSON.parse(record.body);
  } catch {
    // Not JSON: the SQS ids still identify it.
  }
  return {
    ...(typeof body.channel === "string" ? { channel: body.channel } : {}),
    ...(typeof body.id === "string" ? { messageId: body.id } : {}),
    sqsMessageId: record.messageId,
    receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
  };
}
