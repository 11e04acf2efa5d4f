import { randomUUID } from "node:crypto";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AnalyticsKeyLocation } from "../config/analytics";
import {
  type AnalyticsEvent,
  type EventSink,
  eventDay,
  sealEvents,
  type UnsealedEvent,
} from "../core/analytics/events";
import { describeFailure } from "../core/failure";
import { FAQ_BUCKET } from "../resources";
import { createAnalyticsCounters } from "../stores/analytics-counters";
import { type Endpoints, secretsClient } from "./clients";

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
 * The functions' EventSink: buffers events as they are recorded and, on flush, names their sessions under
 * the analytics key (sealEvents), writes them to the history and adds them to the counters, each on its
 * own. A failure is logged (by error name, never an event's content) and counted
 * (`AnalyticsEventsDropped`, per destination; `key` when the key could not be read), and swallowed:
 * analytics must never fail or retry a customer's message. Events of a failed flush are dropped, not
 * retried, so that a retry can never count them twice.
 */
export function analyticsSink(deps: {
  /** The analytics key (analyticsKey): read on the first flush, not at cold start. */
  key: () => Promise<string>;
  history: { write(events: readonly AnalyticsEvent[]): Promise<void> };
  counters: { add(events: readonly AnalyticsEvent[]): Promise<void> };
  metrics: Pick<Metrics, "addMetric">;
  logger: EventSinkLogger;
}): EventSink {
  let buffer: UnsealedEvent[] = [];
  const attempt = async (destination: string, events: readonly unknown[], write: () => Promise<void>) => {
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
      const unsealed = buffer;
      buffer = [];
      if (unsealed.length === 0) return;
      let events: AnalyticsEvent[] = [];
      await attempt("key", unsealed, async () => {
        events = sealEvents(await deps.key(), unsealed);
      });
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

export class AnalyticsKeyError extends Error {
  readonly code = "analytics_key_unreadable";
  constructor(detail: string) {
    super(`the analytics key could not be read: ${detail}`);
    this.name = "AnalyticsKeyError";
  }
}

/**
 * The analytics key where the configuration locates it: locally the value itself (`npm start` makes one
 * per install, local/analytics-key.ts); in AWS the stack's generated secret, read once per cold start, on
 * the first flush (a failed read is tried again at the next flush, so Secrets Manager is never on a
 * customer's path).
 */
export function analyticsKey(
  location: AnalyticsKeyLocation,
  secrets: () => SecretsManagerClient,
): () => Promise<string> {
  if ("key" in location) {
    const { key } = location;
    return async () => key;
  }
  let read: Promise<string> | undefined;
  const load = async () => {
    const { SecretString } = await secrets().send(
      new GetSecretValueCommand({ SecretId: location.secretArn }),
    );
    if (!SecretString) throw new AnalyticsKeyError("the secret is empty");
    return SecretString;
  };
  return () => {
    read ??= load().catch((error: unknown) => {
      read = undefined;
      throw error;
    });
    return read;
  };
}

/** What a function's configuration holds for its analytics (the worker's, desk API's and SLA clock's). */
export interface AnalyticsWiringConfig {
  runtime: Endpoints;
  analyticsKey: AnalyticsKeyLocation;
  faqBucket: string;
  tables: { analyticsCounters: string };
}

/**
 * The sink of a function: its events to the bucket's `events/` and to the counters table, their
 * conversation ids keyed by the analytics key (read at the first flush).
 */
export function wireAnalytics(
  config: AnalyticsWiringConfig,
  parts: {
    s3: S3Client;
    doc: DynamoDBDocumentClient;
    source: string;
    metrics: Pick<Metrics, "addMetric">;
    logger: EventSinkLogger;
  },
): EventSink {
  return analyticsSink({
    key: analyticsKey(config.analyticsKey, () => secretsClient(config.runtime)),
    history: s3EventLog(parts.s3, config.faqBucket, parts.source),
    counters: createAnalyticsCounters(parts.doc, config.tables.analyticsCounters),
    metrics: parts.metrics,
    logger: parts.logger,
  });
}
