import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context, S3Event, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { describeFailure, type FailureSummary } from "../shared/core/failure";
import { INBOUND_QUEUE } from "../shared/resources";

/**
 * Runs a Lambda SQS handler against a queue the way the event source mapping does: long-poll batches,
 * invoke, delete what succeeded, and leave reported failures on the queue so that they come back after a
 * visibility timeout and, past maxReceiveCount, move to the dead-letter queue (the emulator's redrive).
 * Locally the retry delay is short so that retries are visible within seconds.
 */
export interface EventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn?: string;
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;
  batchSize?: number;
  /** Seconds before a failed message is visible again. */
  retryDelaySeconds?: number;
  /** The queue's redrive setting, to say which failed records now go to the dead-letter queue. */
  maxReceiveCount?: number;
  /** The handler's time limit, as Lambda gives it (the worker's timeout by default). */
  timeoutMs?: number;
  /** Told of polling errors, and of a handler that threw (a BatchFailedError saying what became of each record). */
  onError?: (error: unknown) => void;
  /** Called with each record before the handler sees it (the local inbox). */
  onRecord?: (record: SQSRecord) => void;
  /** Called with each record the handler failed, which returns to the queue (or moves to the DLQ). */
  onFailed?: (record: SQSRecord) => void;
  /**
   * Pollers running at once, like concurrent Lambda invocations (1 by default). FIFO order holds with
   * several: a message group stays locked while one of its messages is in flight.
   */
  concurrency?: number;
}

export interface RunningEventSource {
  stop(): Promise<void>;
}

export function startEventSource(options: EventSourceOptions): RunningEventSource {
  let running = true;
  const poll = async () => {
    while (running) {
      try {
        await pollOnce(options);
      } catch (error) {
        options.onError?.(error);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const loops = Array.from({ length: Math.max(1, options.concurrency ?? 1) }, poll);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

export async function pollOnce(options: EventSourceOptions): Promise<number> {
  const { Messages = [] } = await options.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: options.batchSize ?? 10,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
  );
  if (Messages.length === 0) return 0;
  const records: SQSRecord[] = Messages.map((m) => ({
    messageId: m.MessageId ?? "",
    receiptHandle: m.ReceiptHandle ?? "",
    body: m.Body ?? "",
    attributes: {
      ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1",
      SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: m.Attributes?.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(m.Attributes?.MessageGroupId ? { MessageGroupId: m.Attributes.MessageGroupId } : {}),
      ...(m.Attributes?.MessageDeduplicationId
        ? { MessageDeduplicationId: m.Attributes.MessageDeduplicationId }
        : {}),
      ...(m.Attributes?.SequenceNumber ? { SequenceNumber: m.Attributes.SequenceNumber } : {}),
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: options.queueArn ?? "arn:aws:sqs:us-east-1:000000000000:local",
    awsRegion: "us-east-1",
  }));
  for (const record of records) options.onRecord?.(record);

  let failed = new Set<string>();
  try {
    const timeoutMs = options.timeoutMs ?? INBOUND_QUEUE.workerTimeoutSeconds * 1000;
    const response = await options.handler({ Records: records }, lambdaContext("worker", timeoutMs));
    // Each failed record was logged by the handler itself, with its cause.
    failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch (error) {
    // A thrown handler fails the whole batch, as in Lambda: nothing was logged per record, so say here
    // why, and what becomes of each.
    options.onError?.(
      new BatchFailedError(error, records, options.maxReceiveCount ?? INBOUND_QUEUE.maxReceiveCount),
    );
    failed = new Set(records.map((r) => r.messageId));
  }

  const succeeded = records.filter((r) => !failed.has(r.messageId));
  if (succeeded.length > 0) {
    await options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: succeeded.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }
  for (const record of records.filter((r) => failed.has(r.messageId))) {
    options.onFailed?.(record);
    await options.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: options.queueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: options.retryDelaySeconds ?? 1,
      }),
    );
  }
  return records.length;
}

/**
 * The handler threw, failing its whole batch. The message names the cause by code (with the codes of
 * the records' own errors when it carries them, as Powertools' FullBatchFailureError does) and, for
 * each record, its ids and whether it returns to the queue or goes to the dead-letter queue.
 */
export class BatchFailedError extends Error {
  readonly code = "batch_failed";
  constructor(cause: unknown, records: SQSRecord[], maxReceiveCount: number) {
    const recordErrors = (cause as { recordErrors?: unknown[] } | null)?.recordErrors;
    const causes = Array.isArray(recordErrors) && recordErrors.length > 0 ? recordErrors : [cause];
    const why = [...new Set(causes.map((error) => summary(describeFailure(error))))].join("; ");
    const fates = records.map((record) => {
      const receive = Number(record.attributes.ApproximateReceiveCount) || 1;
      const fate = receive >= maxReceiveCount ? "goes to the dead-letter queue" : "returns to the queue";
      return `${idsOf(record)} (receive ${receive} of ${maxReceiveCount}) ${fate}`;
    });
    super(`the worker failed a batch of ${records.length}: ${why}. ${fates.join("; ")}`, { cause });
    this.name = "BatchFailedError";
  }
}

function summary(failure: FailureSummary): string {
  return [failure.code, failure.detail, failure.cause ? `cause ${failure.cause}` : undefined]
    .filter(Boolean)
    .join(": ");
}

/** Channel and message id from the body (never its text), else the SQS id. */
function idsOf(record: SQSRecord): string {
  try {
    const body = JSON.parse(record.body) as { channel?: unknown; id?: unknown };
    if (typeof body.channel === "string" && typeof body.id === "string")
      return `${body.channel} message ${body.id}`;
  } catch {
    // Not JSON: the SQS id still identifies it.
  }
  return `SQS message ${record.messageId}`;
}

/** The parts of a Lambda context that Powertools and middy read. */
export function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The event S3 sends the ingest function for one new object under uploads/. */
export function s3Event(bucket: string, key: string, size = 0): S3Event {
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "us-east-1",
        eventTime: new Date().toISOString(),
        eventName: "ObjectCreated:Put",
        userIdentity: { principalId: "local" },
        requestParameters: { sourceIPAddress: "127.0.0.1" },
        responseElements: { "x-amz-request-id": "local", "x-amz-id-2": "local" },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "uploads",
          bucket: { name: bucket, ownerIdentity: { principalId: "local" }, arn: "" },
          object: { key: encodeURIComponent(key).replace(/%2F/g, "/"), size, eTag: "", sequencer: "" },
        },
      },
    ],
  };
}
