import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import { LambdaDestination } from "aws-cdk-lib/aws-s3-notifications";
import { Construct } from "constructs";
import { RULES_KEYS } from "../../shared/kb/inspection-rules";
import { type KefuFunction, PROJECT_ROOT } from "./kefu-function";

/** The default rule set the project ships (Chinese advertising-law absolute terms, promises, rude words). */
export const DEFAULT_RULES_FILE = resolve(PROJECT_ROOT, "local/seed/rules.default.jsonl");
export const DEFAULT_RULES_KEY = `${RULES_KEYS.uploads}default.jsonl`;

export interface QualityInspectionProps {
  bucket: s3.Bucket;
  /** Imports rule files: notified of rules/uploads/, writes reports, versions and the active pointer. */
  ingest: KefuFunction;
  /** Read the rule set in force before every message they send (the worker, the desk API). */
  readers: KefuFunction[];
}

/**
 * Quality-inspection rule sets in the FAQ bucket (shared/kb/inspection-rules.ts): a rule file under
 * `rules/uploads/` is imported by the ingest function like an FAQ file; the worker and the desk API read
 * the set in force. The default rules are deployed to `rules/uploads/default.jsonl`, so the stack starts
 * with them in force through the admin's own path (report, version, active pointer); a deployment that
 * changes the default file imports it again.
 */
export class QualityInspection extends Construct {
  constructor(scope: Construct, id: string, props: QualityInspectionProps) {
    super(scope, id);
    const { bucket, ingest } = props;
    const objects = (pattern: string) => bucket.arnForObjects(pattern);

    // The import: reads the upload, writes its report and version, reads and moves the active pointer.
    const ingestAccess: [string, string[]][] = [
      [`${RULES_KEYS.uploads}*`, ["s3:GetObject"]],
      [`${RULES_KEYS.reports}*`, ["s3:PutObject"]],
      [`${RULES_KEYS.versions}*`, ["s3:PutObject"]],
      [RULES_KEYS.active, ["s3:GetObject", "s3:PutObject"]],
    ];
    for (const [pattern, actions] of ingestAccess) {
      ingest.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [objects(pattern)] }));
    }
    for (const reader of props.readers) {
      reader.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ["s3:GetObject"],
          resources: [objects(RULES_KEYS.active), objects(`${RULES_KEYS.versions}*`)],
        }),
      );
      // Without ListBucket a missing rules/active.json answers 403, not 404: "no rule set yet" would
      // fail every message. S3 checks it without an s3:prefix, so it cannot be narrowed.
      reader.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ["s3:ListBucket"], resources: [bucket.bucketArn] }),
      );
    }

    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new LambdaDestination(ingest.fn), {
      prefix: RULES_KEYS.uploads,
    });

    const deployment = new s3deploy.BucketDeployment(this, "DefaultRules", {
      destinationBucket: bucket,
      destinationKeyPrefix: RULES_KEYS.uploads,
      sources: [s3deploy.Source.data("default.jsonl", readFileSync(DEFAULT_RULES_FILE, "utf8"))],
      // Only this file: an admin's own rule files under rules/uploads/ stay.
      prune: false,
      retainOnDelete: true,
      // The desk's deployment's size: CDK runs both with one singleton function (one per memory size).
      memoryLimit: 512,
    });
    // The notification must be in place before the file lands, or the import never runs.
    const notifications = bucket.node.tryFindChild("Notifications");
    if (notifications) deployment.node.addDependency(notifications);

    const stack = Stack.of(this);
    const bucketArn = `<${stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    for (const [pattern] of ingestAccess) {
      if (!pattern.endsWith("*")) continue;
      Validations.of(ingest.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${pattern}]`,
        reason: `Rule files and their reports and versions are named per upload; the grant is ${pattern} only.`,
      });
    }
    const handler = stack.node.children.find((c) => c.node.id.startsWith("Custom::CDKBucketDeployment"));
    if (handler) {
      Validations.of(handler).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/*]`,
        reason:
          "CDK's BucketDeployment custom resource (deploy time only) writes the default rule file to " +
          "rules/uploads/ of the FAQ bucket; CDK grants it the bucket's objects.",
      });
    }
    for (const reader of props.readers) {
      Validations.of(reader.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${RULES_KEYS.versions}*]`,
        reason: "Rule-set versions are named by the time of their import; read-only, that prefix only.",
      });
    }
  }
}
