import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRICS } from "../../shared/resources";

export interface DashboardProps {
  webhook: lambda.IFunction;
  worker: lambda.IFunction;
  /** The e-mail and SMS ingress, when the stack has it. */
  snsIngress?: lambda.IFunction;
  /** The inbound FIFO queue the worker reads. */
  queue: sqs.IQueue;
  /** Every dead-letter or failure queue, by a label shown on the graph: each message there awaits an operator. */
  deadLetterQueues: Record<string, sqs.IQueue>;
}

/** The worker's outcomes that answer the customer without a person (the rest ask, hand off or refuse). */
export const CONTAINED_OUTCOMES = ["answered", "keyword_answered", "small_talk"] as const;
/** The outcomes of a customer question, the denominator of the per-message containment. */
export const QUESTION_OUTCOMES = [...CONTAINED_OUTCOMES, "clarified", "out_of_scope", "handed_off"] as const;

const PERIOD = Duration.minutes(5);

/**
 * A CloudWatch search over the worker's per-channel outcome metrics: one series per channel. Searching,
 * rather than naming each channel, keeps the dashboard right when a channel is added.
 */
function outcomeSearch(outcomes: readonly string[]): string {
  const names = outcomes.map((o) => `MetricName="Outcome_${o}"`).join(" OR ");
  return `SEARCH('{${METRICS.namespace},${METRICS.outcomeDimensions.join(",")}} (${names})', 'Sum', ${PERIOD.toSeconds()})`;
}

/**
 * The operator's view of the stack: latency, errors and throttles of the functions on the message path,
 * the queues (age, dead letters), and the business figures the worker emits through Powertools Metrics
 * (outcomes by channel, hand-offs by reason, containment). The conversation-level figures (containment per
 * conversation, CSAT, resolution times) are in `npm run report`, from the analytics events.
 */
export class Dashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const functions: [string, lambda.IFunction][] = [
      ["webhook", props.webhook],
      ["worker", props.worker],
      ...(props.snsIngress ? [["sns-ingress", props.snsIngress] as [string, lambda.IFunction]] : []),
    ];
    const service = { service: METRICS.serviceName };
    const count = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: METRICS.namespace,
        metricName,
        dimensionsMap: service,
        statistic: "Sum",
        period: PERIOD,
        label,
      });

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      defaultInterval: Duration.hours(24),
      periodOverride: cloudwatch.PeriodOverride.AUTO,
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          "# Kefu\nLatency, errors and queues of the message path, and what the bot did. Containment here is " +
          "per customer message; per conversation it is in `npm run report`.",
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      ...(["webhook", "worker"] as const).map((name) => {
        const fn = name === "webhook" ? props.webhook : props.worker;
        return new cloudwatch.GraphWidget({
          title: `${name} duration`,
          left: ["p50", "p99"].map((statistic) =>
            fn.metricDuration({ statistic, period: PERIOD, label: `${name} ${statistic}` }),
          ),
          leftYAxis: { label: "ms", showUnits: false, min: 0 },
          width: 12,
        });
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Function errors",
        left: functions.map(([name, fn]) =>
          fn.metricErrors({ statistic: "Sum", period: PERIOD, label: name }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Function throttles",
        left: functions.map(([name, fn]) =>
          fn.metricThrottles({ statistic: "Sum", period: PERIOD, label: name }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Worker retries and dead letters",
        left: [
          count("MessagesRetried", "retried"),
          count("MessagesDeadLettered", "dead-lettered"),
          count("MessagesFailedPermanently", "failed permanently"),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Dead-letter queues (messages waiting)",
        left: Object.entries(props.deadLetterQueues).map(([label, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ statistic: "Maximum", period: PERIOD, label }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Inbound queue: oldest message age",
        left: [
          props.queue.metricApproximateAgeOfOldestMessage({
            statistic: "Maximum",
            period: PERIOD,
            label: "oldest message",
          }),
        ],
        leftYAxis: { label: "seconds", showUnits: false, min: 0 },
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Webhook deliveries",
        left: [count("MessagesEnqueued", "enqueued"), count("RejectedRequests", "rejected")],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Answered by channel",
        left: [
          new cloudwatch.MathExpression({
            expression: outcomeSearch(["answered", "keyword_answered"]),
            label: "",
            period: PERIOD,
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Hand-offs by channel and reason",
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRICS.namespace},${METRICS.handoffDimensions.join(",")}} MetricName="Handoffs"', 'Sum', ${PERIOD.toSeconds()})`,
            label: "",
            period: PERIOD,
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Containment (share of questions the bot settled, %)",
        left: [
          new cloudwatch.MathExpression({
            expression: "100 * contained / questions",
            usingMetrics: {
              contained: new cloudwatch.MathExpression({
                expression: `SUM(${outcomeSearch(CONTAINED_OUTCOMES)})`,
                period: PERIOD,
              }),
              questions: new cloudwatch.MathExpression({
                expression: `SUM(${outcomeSearch(QUESTION_OUTCOMES)})`,
                period: PERIOD,
              }),
            },
            label: "containment",
            period: PERIOD,
          }),
        ],
        leftYAxis: { min: 0, max: 100, showUnits: false },
        width: 8,
      }),
    );
  }
}
