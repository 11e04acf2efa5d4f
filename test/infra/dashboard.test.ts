import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Stack } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import type { CfnQueue } from "aws-cdk-lib/aws-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { CONTAINED_OUTCOMES, QUESTION_OUTCOMES } from "../../infra/constructs/dashboard";
import type { KefuStack } from "../../infra/kefu-stack";
import { METRICS } from "../../shared/resources";
import { SYNTH_TIMEOUT_MS, synthKefu } from "./synth";

let stack: KefuStack;
let template: Template;
/** The dashboard body as CloudFormation holds it: JSON text joined with references to resources. */
let body: string;
beforeAll(() => {
  ({ stack, template } = synthKefu({}, { bundle: false }));
  const dashboards = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
  expect(dashboards).toHaveLength(1);
  body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
}, SYNTH_TIMEOUT_MS);

const ref = (construct: { node: { defaultChild?: unknown } }) =>
  Stack.of(stack).getLogicalId(construct.node.defaultChild as CfnFunction | CfnQueue);

/** The widget whose title is `title`, as escaped JSON text inside the body. */
function widget(title: string): string {
  const start = body.indexOf(`\\"title\\":\\"${title}\\"`);
  expect(start, `widget ${title}`).toBeGreaterThanOrEqual(0);
  const next = body.indexOf('\\"type\\":\\"', start);
  return body.slice(body.lastIndexOf('{\\"type\\":', start), next < 0 ? undefined : next);
}

describe("the CloudWatch dashboard", () => {
  it("graphs webhook and worker duration at p50 and p99", () => {
    for (const [name, fn] of [
      ["webhook", stack.ingress.webhook.fn],
      ["worker", stack.pipeline.worker.fn],
    ] as const) {
      const graph = JSON.stringify(widget(`${name} duration`));
      expect(graph).toContain("Duration");
      expect(graph).toContain(ref(fn));
      expect(graph).toContain("p50");
      expect(graph).toContain("p99");
    }
  });

  it("graphs errors and throttles of each function on the message path", () => {
    for (const title of ["Function errors", "Function throttles"]) {
      const graph = widget(title);
      for (const fn of [stack.ingress.webhook.fn, stack.pipeline.worker.fn, stack.channels.snsIngress.fn]) {
        expect(graph).toContain(ref(fn));
      }
    }
    expect(widget("Function errors")).toContain("Errors");
    expect(widget("Function throttles")).toContain("Throttles");
  });

  it("graphs the depth of every dead-letter queue and the inbound queue's age", () => {
    const deadLetters = widget("Dead-letter queues (messages waiting)");
    const queues = [
      stack.pipeline.deadLetterQueue,
      stack.channels.snsIngressFailures,
      ...Object.values(stack.channels.deadLetterQueues),
    ];
    for (const queue of queues) expect(deadLetters).toContain(ref(queue));
    expect(deadLetters).toContain("ApproximateNumberOfMessagesVisible");
    const age = widget("Inbound queue: oldest message age");
    expect(age).toContain("ApproximateAgeOfOldestMessage");
    expect(age).toContain(ref(stack.pipeline.queue));
  });

  it("searches the worker's outcome and hand-off metrics in the namespace and dimensions they carry", () => {
    expect(widget("Answered by channel")).toContain(
      `SEARCH('{Kefu,channel,service} (MetricName=\\\\\\"Outcome_answered\\\\\\"`,
    );
    expect(widget("Hand-offs by channel and reason")).toContain(
      `SEARCH('{Kefu,channel,reason,service} MetricName=\\\\\\"Handoffs\\\\\\"'`,
    );
    const containment = widget("Containment (share of questions the bot settled, %)");
    expect(containment).toContain("100 * contained / questions");
    for (const outcome of QUESTION_OUTCOMES) expect(containment).toContain(`Outcome_${outcome}`);
    expect(QUESTION_OUTCOMES).toEqual(expect.arrayContaining([...CONTAINED_OUTCOMES, "handed_off"]));
  });

  it("searches exactly the dimension sets Powertools publishes the worker's metrics with", () => {
    // The worker's calls (functions/worker/queue-worker.ts): a SEARCH only matches a metric whose
    // dimension names are exactly those listed, so a drift here would leave the graphs empty.
    // singleMetric() flushes on addMetric; a fresh Metrics with the same dimensions serializes alike.
    const published = () => new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.serviceName });
    const outcome = published();
    outcome.addDimension("channel", "wechat");
    outcome.addMetric("Outcome_answered", MetricUnit.Count, 1);
    const handoff = published();
    handoff.addDimensions({ channel: "wechat", reason: "low_confidence" });
    handoff.addMetric("Handoffs", MetricUnit.Count, 1);
    for (const [single, dimensions] of [
      [outcome, METRICS.outcomeDimensions],
      [handoff, METRICS.handoffDimensions],
    ] as const) {
      const emf = single.serializeMetrics();
      const [directive] = emf._aws.CloudWatchMetrics;
      expect(directive?.Namespace).toBe(METRICS.namespace);
      expect([...(directive?.Dimensions[0] ?? [])].sort()).toEqual([...dimensions]);
    }
  });
});
