import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { describe, expect, it } from "vitest";
import { EmfMetrics } from "../../../shared/aws/metrics-emf";
import { METRICS } from "../../../shared/resources";

/**
 * The webhook's metrics (issue 10: Powertools' Metrics was a tenth of its cold initialisation): the same
 * CloudWatch embedded metric format lines Powertools prints for the same calls, so the namespace, the
 * metric names and the `service` dimension the dashboard searches do not change.
 */

function emf(options: { disabled?: boolean } = {}) {
  const lines: string[] = [];
  const metrics = new EmfMetrics({
    namespace: METRICS.namespace,
    serviceName: METRICS.serviceName,
    ...options,
    write: (line) => lines.push(line),
  });
  return { metrics, lines };
}

describe("the webhook's EMF metrics", () => {
  it("serialise as Powertools' Metrics serialises the same counts", () => {
    const powertools = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.serviceName });
    const { metrics } = emf();
    for (const sink of [powertools, metrics]) {
      sink.addMetric("WebhookRequests", MetricUnit.Count, 1);
      sink.addMetric("MessagesEnqueued", MetricUnit.Count, 1);
      sink.addMetric("WebhookRequests", MetricUnit.Count, 1);
    }
    const timestamp = Date.UTC(2026, 11, 2, 6, 0, 0);
    const theirs = powertools.serializeMetrics();
    expect(metrics.serialize(timestamp)).toEqual({
      ...theirs,
      _aws: { ...theirs._aws, Timestamp: timestamp },
    });
  });

  it("print one line in the EMF specification's shape: root _aws with Timestamp and one metric directive", () => {
    const { metrics, lines } = emf();
    metrics.addMetric("WebhookRequests", "Count", 1);
    metrics.addMetric("RejectedRequests", "Count", 1);
    const before = Date.now();
    metrics.publishStoredMetrics();
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "");
    expect(Object.keys(line._aws)).toEqual(["Timestamp", "CloudWatchMetrics"]);
    expect(line._aws.Timestamp).toBeGreaterThanOrEqual(before);
    expect(Number.isInteger(line._aws.Timestamp)).toBe(true);
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: "Kefu",
        Dimensions: [["service"]],
        Metrics: [
          { Name: "WebhookRequests", Unit: "Count" },
          { Name: "RejectedRequests", Unit: "Count" },
        ],
      },
    ]);
    // Every dimension and metric the directive names is a root member (the specification's target members).
    expect(line).toMatchObject({ service: "kefu", WebhookRequests: 1, RejectedRequests: 1 });
  });

  it("forget what they published, and print nothing when nothing is stored", () => {
    const { metrics, lines } = emf();
    expect(metrics.hasStoredMetrics()).toBe(false);
    metrics.publishStoredMetrics();
    expect(lines).toEqual([]);
    metrics.addMetric("WebhookRequests", "Count", 1);
    expect(metrics.hasStoredMetrics()).toBe(true);
    metrics.publishStoredMetrics();
    metrics.publishStoredMetrics();
    expect(lines).toHaveLength(1);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it("print nothing when metrics are disabled, and still forget them", () => {
    const { metrics, lines } = emf({ disabled: true });
    metrics.addMetric("WebhookRequests", "Count", 1);
    metrics.publishStoredMetrics();
    expect(lines).toEqual([]);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it("publish before a metric exceeds the 100 values CloudWatch takes in one line", () => {
    const { metrics, lines } = emf();
    for (let i = 0; i < 150; i++) metrics.addMetric("MessagesEnqueued", "Count", 1);
    metrics.publishStoredMetrics();
    expect(lines.map((line) => JSON.parse(line).MessagesEnqueued.length)).toEqual([100, 50]);
  });
});
