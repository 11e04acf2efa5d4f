import { ArnFormat, Duration, Stack } from "aws-cdk-lib";
import type * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { SUBSCRIPTION_DLQ_RETENTION_DAYS } from "./channels";

export interface ObservabilityProps {
  queue: sqs.IQueue;
  deadLetterQueue: sqs.IQueue;
  webhook: lambda.IFunction;
  worker: lambda.IFunction;
  ingest: lambda.IFunction;
  stage: apigw.IHttpStage;
  /** Subscribed to the alarm topic by e-mail when set (the address must confirm the subscription). */
  alarmEmail?: string;
  /** Topics SNS delivers to the SNS ingress (e-mail, SMS), by channel. */
  inboundTopics?: Record<string, sns.ITopic>;
  /** The dead-letter queues of those subscriptions, by channel: each message there awaits an operator. */
  subscriptionDeadLetterQueues?: Record<string, sqs.IQueue>;
  /** The SNS ingress function and its on-failure destination. */
  snsIngress?: { fn: lambda.IFunction; failureQueue: sqs.IQueue };
  /** A message older than this in the inbound queue means the worker is not keeping up or is failing. */
  maxMessageAge?: Duration;
}

/** An encrypted SNS topic and the alarms that publish to it; anything an operator must act on. */
export class Observability extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);

    // A customer-managed key, because CloudWatch cannot publish to a topic encrypted with the
    // AWS-managed SNS key (its key policy cannot be extended to the CloudWatch service).
    const key = new kms.Key(this, "AlarmTopicKey", {
      description: "Kefu alarm topic encryption",
      enableKeyRotation: true,
    });
    this.key = key;
    // Confused deputy: CloudWatch may use the key only for this account's alarms in this region. (Not the
    // kms:EncryptionContext:aws:sns:topicArn condition: the key policy would refer to the topic the key
    // encrypts, a dependency cycle.)
    const stack = Stack.of(this);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: {
          StringEquals: { "aws:SourceAccount": stack.account },
          ArnLike: {
            "aws:SourceArn": stack.formatArn({
              service: "cloudwatch",
              resource: "alarm",
              resourceName: "*",
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.topic = new sns.Topic(this, "AlarmTopic", {
      displayName: "Kefu alarms",
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const fiveMinutes = Duration.minutes(5);
    this.queueNotEmptyAlarm(
      "DeadLetterQueueNotEmpty",
      props.deadLetterQueue,
      "Messages failed processing repeatedly and wait in the dead-letter queue.",
    );
    this.alarm("InboundMessageAge", {
      alarmDescription: "The oldest inbound message waits too long: the worker is failing or too slow.",
      metric: props.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: "Maximum",
      }),
      threshold: (props.maxMessageAge ?? Duration.minutes(5)).toSeconds(),
      evaluationPeriods: 3,
    });
    this.functionErrorsAlarm(
      "WorkerErrors",
      props.worker,
      "The worker Lambda failed invocations (not per-message failures).",
    );
    this.functionErrorsAlarm(
      "WebhookErrors",
      props.webhook,
      "The webhook Lambda failed invocations; platforms will retry, then drop messages.",
    );
    this.alarm("Webhook5xx", {
      alarmDescription: "The webhook API answered with server errors.",
      metric: props.stage.metricServerError({ period: fiveMinutes, statistic: "Sum" }),
      threshold: 1,
    });
    this.functionErrorsAlarm(
      "IngestErrors",
      props.ingest,
      "An FAQ import crashed before it could write its report.",
    );
    for (const [name, topic] of Object.entries(props.inboundTopics ?? {})) {
      this.alarm(`${name}DeliveryFailures`, {
        alarmDescription:
          `SNS gave up delivering ${name} messages to the SNS ingress after its retries; once the channel's ` +
          "subscription exists they wait in its dead-letter queue (received mail also stays in the " +
          "inbound-mail bucket for 30 days).",
        metric: topic.metricNumberOfNotificationsFailed({ period: fiveMinutes, statistic: "Sum" }),
        threshold: 1,
      });
    }
    for (const [name, queue] of Object.entries(props.subscriptionDeadLetterQueues ?? {})) {
      this.queueNotEmptyAlarm(
        `${name}SubscriptionDeadLetterQueueNotEmpty`,
        queue,
        `${name} notifications SNS could not deliver to the SNS ingress wait in this dead-letter queue ` +
          `(kept ${SUBSCRIPTION_DLQ_RETENTION_DAYS} days): those customers' messages were not answered.`,
      );
    }
    if (props.snsIngress) {
      this.functionErrorsAlarm(
        "SnsIngressErrors",
        props.snsIngress.fn,
        "The SNS ingress failed invocations (e-mail or SMS); Lambda retries them twice, then keeps them " +
          "in its failure queue.",
      );
      this.queueNotEmptyAlarm(
        "SnsIngressFailureQueueNotEmpty",
        props.snsIngress.failureQueue,
        "E-mail or SMS notifications the SNS ingress failed on every attempt wait in its failure queue " +
          `(kept ${SUBSCRIPTION_DLQ_RETENTION_DAYS} days, with the error): those customers were not answered.`,
      );
    }
  }

  /** Any failed invocation of a function within five minutes. */
  private functionErrorsAlarm(id: string, fn: lambda.IFunction, alarmDescription: string): void {
    this.alarm(id, {
      alarmDescription,
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
      threshold: 1,
    });
  }

  /** Any message waiting in a queue of failed messages (a dead-letter or failure queue) for an operator. */
  private queueNotEmptyAlarm(id: string, queue: sqs.IQueue, alarmDescription: string): void {
    this.alarm(id, {
      alarmDescription,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: "Maximum",
      }),
      threshold: 1,
    });
  }

  private alarm(
    id: string,
    props: {
      alarmDescription: string;
      metric: cloudwatch.IMetric;
      threshold: number;
      evaluationPeriods?: number;
    },
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
