import { Stack, Validations } from "aws-cdk-lib";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { synthKefu, testApp } from "./synth";

/**
 * cdk-nag v3 is a CDK policy-validation plugin, not an Aspect: findings are not annotations but a report,
 * and synthesis fails when the report has any. `validateScope` returns the same report directly.
 */
const findings = (stack: Stack) =>
  new AwsSolutionsChecks().validateScope(stack).violations.map((v) => ({
    rule: v.ruleName,
    severity: v.severity,
    at: v.violatingResources.map((r) => r.constructPath),
  }));

describe("cdk-nag AwsSolutions", () => {
  it("has no unacknowledged errors or warnings in the default stack, and synthesis passes the plugin", () => {
    const { app, stack } = synthKefu({}, { bundle: false, nag: true });
    expect(findings(stack)).toEqual([]);
    expect(() => app.synth()).not.toThrow();
    // And CDK itself has nothing to say (deprecations, misconfigurations).
    expect(Annotations.fromStack(stack).findError("*", Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning("*", Match.anyValue())).toEqual([]);
  });

  it("has none with the optional egress VPC and an inference-profile model either", () => {
    const { stack } = synthKefu(
      { egress: true, answerModelId: "eu.anthropic.claude-3-5-haiku-20241022-v1:0" },
      { bundle: false, nag: true },
    );
    expect(findings(stack)).toEqual([]);
  });

  it("has none with every channel option: receipt rule set and bucket, subscriptions, send grants, egress", () => {
    const { app, stack } = synthKefu(
      {
        egress: true,
        publicUrl: "https://kefu.example.com",
        emailFrom: "support@example.com",
        emailDomain: "example.com",
        emailConfigurationSet: "kefu-replies",
        // An E.164 number: the one case with a (acknowledged) wildcard grant.
        smsOrigination: "+15555550100",
        smsConfigurationSet: "kefu-sms",
      },
      { bundle: false, nag: true },
    );
    expect(findings(stack)).toEqual([]);
    expect(() => app.synth()).not.toThrow();
  });

  it("has none with a sender ID or a pool as the SMS origination", () => {
    for (const smsOrigination of ["KEFU", "pool-0123456789abcdef"]) {
      const { stack } = synthKefu({ smsOrigination }, { bundle: false, nag: true });
      expect(findings(stack), smsOrigination).toEqual([]);
    }
  });

  it("does report a finding, and fails synthesis, for an unencrypted queue without a DLQ (control)", () => {
    const app = testApp();
    const stack = new Stack(app, "Control");
    new sqs.Queue(stack, "Plain", { encryption: sqs.QueueEncryption.UNENCRYPTED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(findings(stack).map((f) => f.rule)).toEqual(
      expect.arrayContaining(["AwsSolutions-SQS2", "AwsSolutions-SQS3", "AwsSolutions-SQS4"]),
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });
});
