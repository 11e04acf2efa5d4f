import { Stack } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { beforeAll, describe, expect, it } from "vitest";
import type { KefuStack } from "../../infra/kefu-stack";
import { EVENT_COLUMNS } from "../../shared/core/analytics-queries";
import { FAQ_BUCKET, TABLES } from "../../shared/resources";
import { SYNTH_TIMEOUT_MS, synthKefu } from "./synth";

let stack: KefuStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = synthKefu({}, { bundle: false }));
}, SYNTH_TIMEOUT_MS);

describe("analytics in the stack", () => {
  it("has a Glue table over the events prefix with the shared columns and dt projected by day", () => {
    const bucketId = Stack.of(stack).getLogicalId(stack.storage.faqBucket.node.defaultChild as s3.CfnBucket);
    template.hasResourceProperties("AWS::Glue::Table", {
      TableInput: Match.objectLike({
        Name: "events",
        PartitionKeys: [{ Name: "dt", Type: "string" }],
        Parameters: Match.objectLike({
          "projection.enabled": "true",
          "projection.dt.type": "date",
          "projection.dt.format": "yyyy-MM-dd",
        }),
        StorageDescriptor: Match.objectLike({
          Columns: EVENT_COLUMNS.map(([name, type]) => ({ Name: name, Type: type })),
          Location: {
            "Fn::Join": ["", ["s3://", { Ref: bucketId }, `/${FAQ_BUCKET.eventsPrefix}`]],
          },
        }),
      }),
    });
  });

  it("has an Athena workgroup writing encrypted results to its own expiring bucket, with a scan limit", () => {
    const [workgroup] = Object.values(template.findResources("AWS::Athena::WorkGroup"));
    const config = (workgroup as { Properties: { WorkGroupConfiguration: Record<string, unknown> } })
      .Properties.WorkGroupConfiguration;
    expect(config).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: expect.any(Number),
      ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: "SSE_S3" } },
    });
    template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: { Rules: [Match.objectLike({ Id: "expire-results", ExpirationInDays: 7 })] },
    });
  });

  it("has the counters table, and the worker may only add to it and put objects under events/", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: TABLES.analyticsCounters.partitionKey.name, KeyType: "HASH" },
        { AttributeName: TABLES.analyticsCounters.sortKey.name, KeyType: "RANGE" },
      ],
    });
    const policies = JSON.stringify(template.findResources("AWS::IAM::Policy"));
    expect(policies).toContain(`/${FAQ_BUCKET.eventsPrefix}*`);
  });
});
