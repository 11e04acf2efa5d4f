import { randomUUID } from "node:crypto";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type AnalyticsEvent, type EventSink, eventDay } from "../core/analytics";
import { describeFailure } from "../core/failure";
import { FAQ_BUCKET } from "../resources";
import { createAnalyticsCounters } from "../stores/analytics-counters";

/**
 * The history: one JSON Lines object per day a batch touches, under `events/dt=YYYY-MM-DD/`. A function
 * writes one object per invocation, not per event: a busy worker (batches of up to 5 messages) writes a
 * few objects a minute, which Athena reads well; Kinesis Data Firehose would merge them into larger
 * files at the cost of one more service to run and pay for, worth it past millions of events a day.
 */
export function s3EventLog(s3: S3Client, bucket: string, source: string) {
  return {
    async write(events: readonly AnalyticsEvent[]): Promise<void> {
      const byDay = new Map<string, AnalyticsEvent[]>();
      for (const event of events) {
        const day = eventDay(event.at);
        byDay.set(day, [...(byDay.get(day) ?? []), event]);
      }
      await Promise.all(
        [...byDay].map(([day, dayEvents]) =>
          s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: `${FAQ_BUCKET.eventsPrefix}dt=${day}/${source}-${new Date().toISOString()}-${randomUUID()}.jsonl`,
              Body: `${dayEvents.map((event) => JSON.stringify(event)).join("\n")}\n`,
              ContentType: "application/x-ndjson",
            }),
          ),
        ),
      );
    },
  };
}

export interface EventSinkLogger {
  warn(message: string, fields: Record<string, unknown>): void;
}

/**
 * The functions' EventSink: buffers events as they are recorded and, on flush, writes them to the history
 * and adds them to the counters, each on its own. A failure is logged (by error name, never an event's
 * content) and counted (`AnalyticsEventsDropped`, per destination), and swallowed: analytics must never
 * fail or retry a customer's message. Events of a failed flush are dropped, not retried, so that a retry
 * can never count them twice.
 */
export function analyticsSink(deps: {
  history: { write(events: readonly AnalyticsEvent[]): Promise<void> };
  counters: { add(events: readonly AnalyticsEvent[]): Promise<void> };
  metrics: Pick<Metrics, "addMetric">;
  logger: EventSinkLogger;
}): EventSink {
  let buffer: AnalyticsEvent[] = [];
  const attempt = async (destination: string, events: AnalyticsEvent[], write: () => Promise<void>) => {
    try {
      await write();
    } catch (error) {
      deps.metrics.addMetric(`AnalyticsEventsDropped_${destination}`, MetricUnit.Count, events.length);
      deps.logger.warn("analytics events dropped", {
        destination,
        events: events.length,
        ...describeFailure(error),
      });
    }
  };
  return {
    record(events) {
      buffer.push(...events);
    },
    async flush() {
      const events = buffer;
      buffer = [];
      if (events.length === 0) return;
      await Promise.all([
        attempt("history", events, () => deps.history.write(events)),
        attempt("counters", events, () => deps.counters.add(events)),
      ]);
    },
  };
}

/**
 * Metrics published as they are added (an EMF line each), for functions without Powertools' logMetrics
 * middleware to publish at the end of the invocation (the desk API, the SLA clock).
 */
export function publishedAtOnce(metrics: Pick<Metrics, "singleMetric">): Pick<Metrics, "addMetric"> {
  return {
    addMetric: (name, unit, value) => metrics.singleMetric().addMetric(name, unit, value),
  };
}

/** The sink of a function: its events to the bucket's `events/` and to the counters table. */
export function wireAnalytics(input: {
  s3: S3Client;
  doc: DynamoDBDocumentClient;
  bucket: string;
  countersTable: string;
  source: string;
  metrics: Pick<Metrics, "addMetric">;
  logger: EventSinkLogger;
}): EventSink {
  return analyticsSink({
    history: s3EventLog(input.s3, input.bucket, input.source),
    counters: createAnalyticsCounters(input.doc, input.countersTable),
    metrics: input.metrics,
    logger: input.logger,
  });
}
