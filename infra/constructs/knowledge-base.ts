import { Duration, Stack, Validations } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import { LambdaDestination } from "aws-cdk-lib/aws-s3-notifications";
import { Construct } from "constructs";
import { FAQ_BUCKET, type TableName } from "../../shared/resources";
import { KefuFunction } from "./kefu-function";
import { grantTableAccess, TABLE_ACCESS } from "./table-access";

export interface KnowledgeBaseProps {
  bucket: s3.Bucket;
  tables: Record<TableName, dynamodb.ITable>;
  environment: Record<string, string>;
  /** Model the import may invoke (its id is already in `environment`). */
  embeddingModelId: string;
}

/**
 * FAQ import: an admin drops a file under `uploads/`, the ingest function validates the rows, embeds
 * them, writes the FAQ table, keeps a snapshot of each version under `versions/` and leaves a report
 * (every rejected row with its reason) under `reports/`.
 */
export class KnowledgeBase extends Construct {
  readonly ingest: KefuFunction;

  constructor(scope: Construct, id: string, props: KnowledgeBaseProps) {
    super(scope, id);

    this.ingest = new KefuFunction(this, "Ingest", {
      entry: "ingest",
      description: "Kefu ingest: import an uploaded FAQ file into the knowledge base",
      memorySize: 1024,
      // Embedding a few thousand rows one request at a time takes minutes, not seconds.
      timeout: Duration.minutes(10),
      environment: props.environment,
      // A failed import leaves its report; re-running it twice more on its own would only repeat it.
      retryAttempts: 0,
      // Intended S3 → Lambda → S3 recursion: an import that runs out of time, or finds another queued,
      // re-announces the upload by copying it onto itself. Each hop makes progress through the file or
      // the queue, so the chain ends; Lambda's default would cut it after about 16 hops.
      recursiveLoop: lambda.RecursiveLoop.ALLOW,
    });

    const { bucket } = props;
    const { uploadsPrefix, reportsPrefix, versionsPrefix } = FAQ_BUCKET;
    // Explicit statements rather than bucket.grantRead/grantPut, whose `s3:GetObject*`/`s3:List*` action
    // wildcards reach further than the import needs. Per prefix:
    // - uploads/: read the file; write to re-announce an unfinished or queued import (a copy onto itself)
    //   and to stage a restore;
    // - versions/: write a snapshot of each version, read one back to restore it;
    // - reports/: write the report of each import.
    const access: [string, string[]][] = [
      [uploadsPrefix, ["s3:GetObject", "s3:PutObject"]],
      [versionsPrefix, ["s3:GetObject", "s3:PutObject"]],
      [reportsPrefix, ["s3:PutObject"]],
    ];
    for (const [prefix, actions] of access) {
      this.ingest.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions, resources: [bucket.arnForObjects(`${prefix}*`)] }),
      );
    }
    // Without ListBucket, HEAD of a missing object answers 403 instead of 404, and "the upload is gone"
    // would look like a permissions failure. S3 checks it without an s3:prefix, so it cannot be narrowed.
    this.ingest.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["s3:ListBucket"], resources: [bucket.bucketArn] }),
    );
    grantTableAccess(this.ingest, props.tables, TABLE_ACCESS.ingest);
    this.ingest.allowBedrock([props.embeddingModelId], ["bedrock:InvokeModel"]);

    const bucketArn = `<${Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    for (const [prefix] of access) {
      Validations.of(this.ingest.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}*]`,
        reason:
          `Object keys under ${prefix} are chosen by admins at upload time or derived from them; the ` +
          "grant is limited to that prefix of the FAQ bucket.",
      });
    }

    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new LambdaDestination(this.ingest.fn), {
      prefix: FAQ_BUCKET.uploadsPrefix,
    });
    acknowledgeBucketNotificationsHandler(Stack.of(this));
  }
}

/**
 * CDK configures bucket notifications through a singleton custom resource whose Lambda role it creates
 * itself (with a managed policy); it lives at the stack root, not under this construct.
 */
function acknowledgeBucketNotificationsHandler(stack: Stack): void {
  const handler = stack.node.children.find((c) => c.node.id.startsWith("BucketNotificationsHandler"));
  if (!handler) return;
  Validations.of(handler).acknowledge({
    id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    reason:
      "CDK's built-in BucketNotificationsHandler custom resource creates its own role with this managed " +
      "policy; it runs only during deployments to set the FAQ bucket's notification configuration.",
  });
}
