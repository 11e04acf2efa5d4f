import { Duration, type RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as athena from "aws-cdk-lib/aws-athena";
import * as glue from "aws-cdk-lib/aws-glue";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { EVENT_COLUMNS } from "../../shared/core/analytics-queries";
import { FAQ_BUCKET } from "../../shared/resources";
import type { KefuFunction } from "./kefu-function";

export interface AnalyticsProps {
  /** The bucket the functions write events to, under FAQ_BUCKET.eventsPrefix. */
  eventsBucket: s3.IBucket;
  accessLogsBucket: s3.IBucket;
  removalPolicy: RemovalPolicy;
}

/** The first day the partition projection enumerates; before any deployment, so every day is found. */
const FIRST_DAY = "2025-01-01";

/**
 * The event history's query side: a Glue database and table over `events/dt=YYYY-MM-DD/*.jsonl` (JSON
 * Lines, the columns of shared/core/analytics-queries.ts) with partition projection on `dt` — no crawler,
 * no MSCK REPAIR, a new day is queryable the moment its first object lands, and a query's `dt` range
 * reads only those days' prefixes — and an Athena workgroup whose results go to a bucket of their own,
 * expiring, with a per-query scan limit.
 */
export class Analytics extends Construct {
  readonly database: glue.CfnDatabase;
  readonly table: glue.CfnTable;
  readonly workgroup: athena.CfnWorkGroup;
  readonly resultsBucket: s3.Bucket;
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.databaseName = `${stack.stackName.toLowerCase().replace(/[^a-z0-9_]/g, "_")}_analytics`;

    this.database = new glue.CfnDatabase(this, "Database", {
      catalogId: stack.account,
      databaseInput: { name: this.databaseName, description: "Kefu analytics events" },
    });

    const location = `s3://${props.eventsBucket.bucketName}/${FAQ_BUCKET.eventsPrefix}`;
    this.table = new glue.CfnTable(this, "EventsTable", {
      catalogId: stack.account,
      databaseName: this.databaseName,
      tableInput: {
        name: "events",
        description: "One row per analytics event (shared/core/analytics.ts), JSON Lines by day",
        tableType: "EXTERNAL_TABLE",
        partitionKeys: [{ name: "dt", type: "string" }],
        parameters: {
          classification: "json",
          "projection.enabled": "true",
          "projection.dt.type": "date",
          "projection.dt.format": "yyyy-MM-dd",
          "projection.dt.range": `${FIRST_DAY},NOW`,
          "projection.dt.interval": "1",
          "projection.dt.interval.unit": "DAYS",
          "storage.location.template": `${location}dt=\${dt}/`,
        },
        storageDescriptor: {
          location,
          columns: EVENT_COLUMNS.map(([name, type]) => ({ name, type })),
          inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          serdeInfo: {
            serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
            // A malformed line is skipped, not a failed report; the schema is versioned (`v`).
            parameters: { "ignore.malformed.json": "true" },
          },
        },
      },
    });
    this.table.addDependency(this.database);

    this.resultsBucket = new s3.Bucket(this, "AthenaResultsBucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: "athena-results/",
      // Query results are a cache of a report, not a record: a week is plenty.
      lifecycleRules: [{ id: "expire-results", expiration: Duration.days(7) }],
      removalPolicy: props.removalPolicy,
    });

    this.workgroup = new athena.CfnWorkGroup(this, "WorkGroup", {
      name: `${stack.stackName}-analytics`,
      description: "Kefu analytics reports (npm run report -- --athena-workgroup …)",
      state: "ENABLED",
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        engineVersion: { selectedEngineVersion: "Athena engine version 3" },
        // 10 GB a query: months of a busy service's events; a runaway query stops there.
        bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/results/`,
          encryptionConfiguration: { encryptionOption: "SSE_S3" },
        },
      },
    });
  }

  /** A function writing events: PutObject under the events prefix, nothing else of the bucket. */
  grantWriteEvents(fn: KefuFunction, bucket: s3.IBucket): void {
    const prefix = FAQ_BUCKET.eventsPrefix;
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["s3:PutObject"], resources: [bucket.arnForObjects(`${prefix}*`)] }),
    );
    const bucketArn = `<${Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}*]`,
      reason:
        "Event objects are named per batch (day, time, random id), unknown in advance; the grant is " +
        "PutObject under the events prefix of the bucket only.",
    });
  }
}
