import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import {
  FAQ_BUCKET,
  type KeyAttribute,
  TABLES,
  type TableDefinition,
  type TableName,
} from "../../shared/resources";
import type { KefuFunction } from "./kefu-function";

export interface StorageProps {
  /**
   * What happens to tables and buckets on `cdk destroy`. RETAIN (the default) because they hold the
   * knowledge base, open tickets and conversations: deleting a stack must never delete customer data.
   * Tests and throw-away stacks may pass DESTROY.
   */
  dataRemovalPolicy?: RemovalPolicy;
}

/** Every DynamoDB table in shared/resources.ts, the FAQ bucket and the bucket holding its access logs. */
export class Storage extends Construct {
  readonly tables: Record<TableName, dynamodb.Table>;
  readonly faqBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    const removalPolicy = props.dataRemovalPolicy ?? RemovalPolicy.RETAIN;

    this.tables = Object.fromEntries(
      (Object.entries(TABLES) as [TableName, TableDefinition][]).map(([name, def]) => [
        name,
        createTable(this, def, removalPolicy),
      ]),
    ) as Record<TableName, dynamodb.Table>;

    this.accessLogsBucket = new s3.Bucket(this, "AccessLogsBucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: "expire-access-logs", expiration: Duration.days(365) }],
      removalPolicy,
    });

    this.faqBucket = new s3.Bucket(this, FAQ_BUCKET.id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: "faq-bucket/",
      lifecycleRules: [
        // Versioning keeps an overwritten FAQ file recoverable for a while, not forever.
        { id: "expire-old-versions", noncurrentVersionExpiration: Duration.days(90) },
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(7) },
        // A queue body by reference (written by webhooks before SQS took 1 MiB) is read within the queue's
        // and its DLQ's retention (14 days), never after.
        {
          id: "expire-queue-bodies",
          prefix: FAQ_BUCKET.queueBodiesPrefix,
          expiration: Duration.days(15),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      removalPolicy,
    });
  }

  /**
   * Queue bodies an earlier webhook stored by reference (shared/aws/queue-bodies.ts): the worker may still
   * read one (GetObject) under their prefix of the FAQ bucket and nowhere else. Nothing writes them now
   * that SQS takes every message inline.
   */
  grantQueueBodyReads(fn: KefuFunction): void {
    const prefix = FAQ_BUCKET.queueBodiesPrefix;
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject"],
        resources: [this.faqBucket.arnForObjects(`${prefix}*`)],
      }),
    );
    const bucketArn = `<${Stack.of(this).getLogicalId(this.faqBucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}*]`,
      reason:
        "Queue bodies are named by the SHA-256 of the message they carry, unknown in advance; the grant is " +
        "limited to their prefix of the FAQ bucket and to one action.",
    });
  }

  /** `KEFU_*_TABLE` → physical table name, for every table; the names the functions' config requires. */
  tableEnvironment(): Record<string, string> {
    return Object.fromEntries(
      (Object.keys(TABLES) as TableName[]).map((name) => [TABLES[name].envVar, this.tables[name].tableName]),
    );
  }
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return {
    name: key.name,
    type: key.type === "S" ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
  };
}

function createTable(scope: Construct, def: TableDefinition, removalPolicy: RemovalPolicy): dynamodb.Table {
  const table = new dynamodb.Table(scope, def.id, {
    partitionKey: attribute(def.partitionKey),
    sortKey: def.sortKey ? attribute(def.sortKey) : undefined,
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: def.ttlAttribute,
    removalPolicy,
  });
  for (const index of def.globalIndexes ?? []) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: attribute(index.partitionKey),
      sortKey: index.sortKey ? attribute(index.sortKey) : undefined,
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
  return table;
}
