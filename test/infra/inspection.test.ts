import { readFileSync } from "node:fs";
import type { CfnResource } from "aws-cdk-lib";
import { Stack } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RULES_FILE } from "../../infra/constructs/inspection";
import type { KefuStack } from "../../infra/kefu-stack";
import { RULES_KEYS } from "../../shared/kb/inspection-rules";
import { TABLES } from "../../shared/resources";
import { SYNTH_TIMEOUT_MS, synthKefu } from "./synth";

/**
 * Quality inspection in the stack: the audit table, the rule files' notification, the import's and the
 * readers' grants by key, and the default rule set deployed through the admin's upload path.
 */
let stack: KefuStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = synthKefu({}, { bundle: false }));
}, SYNTH_TIMEOUT_MS);

const logicalId = (construct: IConstruct): string =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);
type Json = Record<string, unknown>;
function statementsOf(roleLogicalId: string): Json[] {
  const policies = template.findResources("AWS::IAM::Policy", {
    Properties: { Roles: Match.arrayWith([{ Ref: roleLogicalId }]) },
  });
  return Object.values(policies).flatMap(
    (p) => ((p as Json).Properties as { PolicyDocument: { Statement: Json[] } }).PolicyDocument.Statement,
  );
}
/** The actions a role has on `<bucket>/<pattern>` exactly. */
function onKey(roleId: string, bucketId: string, pattern: string): string[] {
  return statementsOf(roleId)
    .filter((s) => JSON.stringify(s.Resource).includes(`"Fn::GetAtt":["${bucketId}","Arn"]},"/${pattern}"`))
    .flatMap((s) => [s.Action].flat() as string[]);
}

describe("quality inspection in the stack", () => {
  it("keeps the audit trail in its own table, by day and message, with a TTL", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: TABLES.inspections.partitionKey.name, KeyType: "HASH" },
        { AttributeName: TABLES.inspections.sortKey.name, KeyType: "RANGE" },
      ],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
    });
  });

  it("notifies the ingest function of rule files under rules/uploads/", () => {
    template.hasResourceProperties("Custom::S3BucketNotifications", {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: Match.arrayWith([
          {
            Events: ["s3:ObjectCreated:*"],
            Filter: { Key: { FilterRules: [{ Name: "prefix", Value: RULES_KEYS.uploads }] } },
            LambdaFunctionArn: { "Fn::GetAtt": [logicalId(stack.knowledgeBase.ingest.fn), "Arn"] },
          },
        ]),
      },
    });
  });

  it("lets the import read uploads, write reports and versions, and move the active pointer", () => {
    const role = logicalId(stack.knowledgeBase.ingest.role);
    const bucket = logicalId(stack.storage.faqBucket);
    expect(onKey(role, bucket, `${RULES_KEYS.uploads}*`)).toEqual(["s3:GetObject"]);
    expect(onKey(role, bucket, `${RULES_KEYS.reports}*`)).toEqual(["s3:PutObject"]);
    expect(onKey(role, bucket, `${RULES_KEYS.versions}*`)).toEqual(["s3:PutObject"]);
    expect(onKey(role, bucket, RULES_KEYS.active)).toEqual(["s3:GetObject", "s3:PutObject"]);
  });

  it("lets the worker and the desk API read the rule set in force, and record inspections", () => {
    const bucket = logicalId(stack.storage.faqBucket);
    for (const fn of [stack.pipeline.worker, stack.desk.fn]) {
      const role = logicalId(fn.role);
      expect(onKey(role, bucket, RULES_KEYS.active)).toEqual(["s3:GetObject"]);
      expect(onKey(role, bucket, `${RULES_KEYS.versions}*`)).toEqual(["s3:GetObject"]);
      expect(onKey(role, bucket, `${RULES_KEYS.uploads}*`)).toEqual([]);
      const table = logicalId(stack.storage.tables.inspections);
      const onTable = statementsOf(role)
        .filter((s) => JSON.stringify(s.Resource) === JSON.stringify({ "Fn::GetAtt": [table, "Arn"] }))
        .flatMap((s) => [s.Action].flat() as string[]);
      expect(onTable).toEqual(
        fn === stack.desk.fn ? ["dynamodb:PutItem", "dynamodb:Query"] : ["dynamodb:PutItem"],
      );
    }
  });

  it("deploys the default rules to rules/uploads/ without pruning an admin's files, after the notification", () => {
    const deployments = template.findResources("Custom::CDKBucketDeployment", {
      Properties: { DestinationBucketKeyPrefix: RULES_KEYS.uploads },
    });
    const [deployment] = Object.values(deployments) as { Properties: Json; DependsOn?: string[] }[];
    expect(deployment?.Properties).toMatchObject({
      DestinationBucketName: { Ref: logicalId(stack.storage.faqBucket) },
      Prune: false,
      RetainOnDelete: true,
    });
    const notifications = Object.keys(template.findResources("Custom::S3BucketNotifications"));
    expect(deployment?.DependsOn).toEqual(expect.arrayContaining(notifications));
    // The shipped file is valid JSONL of rules (every line an object with an id).
    const lines = readFileSync(DEFAULT_RULES_FILE, "utf8").trim().split("\n");
    expect(lines.every((line) => typeof JSON.parse(line).id === "string")).toBe(true);
  });
});
