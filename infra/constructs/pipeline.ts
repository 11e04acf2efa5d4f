import { Duration, Stack, Validations } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as iam from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { INBOUND_QUEUE, TABLES, type TableDefinition, type TableName } from "../../shared/resources";
import { KefuFunction } from "./kefu-function";

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
    });

    this.queue = new sqs.Queue(this, INBOUND_QUEUE.id, {
      fifo: true,
      // Off: the webhook sets MessageDeduplicationId from the platform's message id, so two different
      // messages with the same text are not merged.
      contentBasedDeduplication: false,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(INBOUND_QUEUE.visibilityTimeoutSeconds),
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
        KEFU_AGENT_TOPIC_ARN: props.agentTopicArn,
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

    const { tables } = props;
    // ticketTurns and outbox: a ticket's turns after the hand-off, and the replies sent per message.
    for (const name of ["conversations", "tickets", "ticketTurns", "outbox", "tokens", "dedup"] as const) {
      tables[name].grantReadWriteData(this.worker.fn);
    }
    tables.faq.grantReadData(this.worker.fn);
    // The agents' desk and the worker list tickets by status through the table's indexes.
    for (const name of ["conversations", "tickets", "tokens", "dedup"] as const) {
      if ((TABLES[name] as TableDefinition).globalIndexes)
        acknowledgeIndexGrant(this.worker.role, tables[name]);
    }
    props.secret.grantRead(this.worker.fn);
    this.worker.allowBedrock([props.answerModelId], BEDROCK_CONVERSE_ACTIONS);
    this.worker.allowBedrock([props.embeddingModelId], ["bedrock:InvokeModel"]);
  }
}

/** Table grants cover `<table>/index/*` when a table has indexes: querying an index needs it. */
function acknowledgeIndexGrant(role: iam.IRole, table: dynamodb.ITable): void {
  const cfn = table.node.defaultChild as dynamodb.CfnTable;
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(table).getLogicalId(cfn)}.Arn>/index/*]`,
    reason: "Queries on the table's global secondary indexes (tickets by status) need the index ARNs.",
  });
}
