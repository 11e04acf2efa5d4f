import { Duration } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ENV } from "../../shared/config/names";
import { INBOUND_QUEUE, type TableName } from "../../shared/resources";
import { KefuFunction } from "./kefu-function";
import { grantTableAccess, TABLE_ACCESS } from "./table-access";

/** Actions the Converse and ConverseStream APIs are authorised by (there is no `bedrock:Converse` action). */
export const BEDROCK_CONVERSE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];

export interface PipelineProps {
  tables: Record<TableName, dynamodb.ITable>;
  secret: secretsmanager.ISecret;
  /** Environment shared by all functions (table names, bucket, secret, mode...). */
  environment: Record<string, string>;
  /** Models the worker may invoke (their ids are already in `environment`). */
  embeddingModelId: string;
  answerModelId: string;
  /** SNS topic the worker notifies agents on when it opens a ticket. */
  agentTopicArn: string;
  /** Present when replies must leave from a fixed IP (see the Egress construct). */
  egress?: { vpc: ec2.IVpc; subnets: ec2.SubnetSelection };
}

/**
 * The inbound FIFO queue, its dead-letter queue and the worker that consumes it. The queue URL is not in
 * `environment` when this is built (it does not exist yet); the stack adds it to the other functions.
 */
export class Pipeline extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly worker: KefuFunction;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);

    if (INBOUND_QUEUE.visibilityTimeoutSeconds < 6 * INBOUND_QUEUE.workerTimeoutSeconds) {
      // AWS guidance: a message must not reappear while a (retried) worker invocation may still hold it.
      throw new Error("INBOUND_QUEUE.visibilityTimeoutSeconds must be at least 6 × workerTimeoutSeconds");
    }

    this.deadLetterQueue = new sqs.Queue(this, "DeadLetterQueue", {
      fifo: true,
      contentBasedDeduplication: false,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(INBOUND_QUEUE.dlqRetentionDays),
      // As large as the queue's: a message SQS moves here after its last delivery must fit.
      maxMessageSizeBytes: INBOUND_QUEUE.maxMessageBytes,
    });

    this.queue = new sqs.Queue(this, INBOUND_QUEUE.id, {
      fifo: true,
      // Off: the webhook sets MessageDeduplicationId from the platform's message id, so two different
      // messages with the same text are not merged.
      contentBasedDeduplication: false,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(INBOUND_QUEUE.visibilityTimeoutSeconds),
      // SQS's largest (1 MiB since August 2025): every queued message goes inline (shared/aws/queue.ts).
      maxMessageSizeBytes: INBOUND_QUEUE.maxMessageBytes,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: INBOUND_QUEUE.maxReceiveCount },
    });

    this.worker = new KefuFunction(this, "Worker", {
      entry: "worker",
      description: "Kefu worker: answers or hands off each inbound message",
      memorySize: 1024,
      timeout: Duration.seconds(INBOUND_QUEUE.workerTimeoutSeconds),
      environment: {
        ...props.environment,
        [INBOUND_QUEUE.envVar]: this.queue.queueUrl,
        [ENV.agentTopicArn]: props.agentTopicArn,
      },
      egress: props.egress,
    });

    this.worker.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: INBOUND_QUEUE.batchSize,
        // One failed message must not send the whole batch (and the rest of its FIFO group) back.
        reportBatchItemFailures: true,
      }),
    );

    grantTableAccess(this.worker, props.tables, TABLE_ACCESS.worker);
    this.worker.allowSecretRead(props.secret);
    this.worker.allowBedrock([props.answerModelId], BEDROCK_CONVERSE_ACTIONS);
    this.worker.allowBedrock([props.embeddingModelId], ["bedrock:InvokeModel"]);
  }
}
