import type { CfnResource } from "aws-cdk-lib";
import { Stack } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { synthKefu } from "./synth";

// Only the template's shape matters here, so the handlers are not bundled.
describe("stack options", () => {
  it("grants an inference-profile answer model on the profile and its foundation model", () => {
    const model = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
    const { stack, template } = synthKefu({ answerModelId: model }, { bundle: false });
    const role = stack.getLogicalId(stack.pipeline.worker.role.node.defaultChild as CfnResource);
    const policy = JSON.stringify(
      template.findResources("AWS::IAM::Policy", { Properties: { Roles: [{ Ref: role }] } }),
    );
    expect(policy).toContain(`inference-profile/${model}`);
    expect(policy).toContain(":bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0");
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ KEFU_ANSWER_MODEL_ID: model }) },
    });
  });

  it("can run on the embedded local engine instead of Bedrock", () => {
    const { stack, template } = synthKefu({ engine: "local" }, { bundle: false });
    const env =
      template.toJSON().Resources[
        stack.getLogicalId(stack.pipeline.worker.fn.node.defaultChild as CfnResource)
      ].Properties.Environment.Variables;
    expect(env.KEFU_ENGINE).toBe("local");
  });

  it("has no VPC by default", () => {
    const { template } = synthKefu({}, { bundle: false });
    template.resourceCountIs("AWS::EC2::VPC", 0);
    template.resourceCountIs("AWS::EC2::NatGateway", 0);
  });

  it("with egress, runs the worker and the webhook (not ingest) in private subnets behind one NAT gateway with a fixed IP", () => {
    const { stack, template } = synthKefu({ egress: true }, { bundle: false });
    template.resourceCountIs("AWS::EC2::VPC", 1);
    template.resourceCountIs("AWS::EC2::NatGateway", 1);
    template.resourceCountIs("AWS::EC2::EIP", 1);
    const eip = Stack.of(stack).getLogicalId(stack.egress?.elasticIp as CfnResource);
    template.hasResourceProperties("AWS::EC2::NatGateway", {
      AllocationId: { "Fn::GetAtt": [eip, "AllocationId"] },
    });
    template.hasOutput("EgressIp", { Value: { "Fn::GetAtt": [eip, "PublicIp"] } });

    const fnProps = (fn: CfnResource) =>
      template.toJSON().Resources[stack.getLogicalId(fn)].Properties as Record<string, unknown>;
    const privateSubnets = stack.egress?.vpc.privateSubnets.map((s) => ({
      Ref: stack.getLogicalId(s.node.defaultChild as CfnResource),
    }));
    // WeCom KF callbacks carry no message: the webhook pulls it (kf/sync_msg) from an allow-listed IP too.
    for (const fn of [stack.pipeline.worker.fn, stack.ingress.webhook.fn]) {
      expect(fnProps(fn.node.defaultChild as CfnResource).VpcConfig).toMatchObject({
        SubnetIds: privateSubnets,
      });
    }
    expect(fnProps(stack.knowledgeBase.ingest.fn.node.defaultChild as CfnResource).VpcConfig).toBeUndefined();
    // Every private subnet routes to the internet through that one gateway.
    const nat = Object.keys(template.findResources("AWS::EC2::NatGateway"))[0];
    const routes = Object.values(
      template.findResources("AWS::EC2::Route", { Properties: { NatGatewayId: { Ref: nat } } }),
    );
    expect(routes).toHaveLength(privateSubnets?.length ?? -1);
    // DynamoDB and S3 stay off the NAT gateway (it bills per gigabyte).
    const endpoints = Object.values(template.findResources("AWS::EC2::VPCEndpoint")).map((r) =>
      JSON.stringify((r as { Properties: { ServiceName: unknown } }).Properties.ServiceName),
    );
    expect(endpoints.some((e) => e.includes(".dynamodb"))).toBe(true);
    expect(endpoints.some((e) => e.includes(".s3"))).toBe(true);
  });
});
