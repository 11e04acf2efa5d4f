import type { CfnResource } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import type { KefuStack } from "../../infra/kefu-stack";
import { loadSlaConfig, SlaConfigSchema } from "../../shared/config/load-desk";
import { REVIEW_ENV } from "../../shared/config/names";
import { SYNTH_TIMEOUT_MS, synthKefu } from "./synth";

/** The QA review is opt-in: off by default, and only `bedrock` gives the SLA clock a model to call. */

function slaClock(stack: KefuStack, template: Template) {
  const logical = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as CfnResource);
  const fn = template.toJSON().Resources[logical(stack.slaClock.fn.fn)].Properties;
  const policies = template.findResources("AWS::IAM::Policy", {
    Properties: { Roles: [{ Ref: logical(stack.slaClock.fn.role) }] },
  });
  const statements = Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } })
        .Properties.PolicyDocument.Statement,
  );
  const bedrock = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith("bedrock:")));
  const env = Object.fromEntries(
    Object.entries(fn.Environment.Variables as Record<string, unknown>).map(([k, v]) => [
      k,
      typeof v === "string" ? v : "resolved-at-deploy",
    ]),
  );
  return { env, bedrock };
}

describe("the QA review's infrastructure", () => {
  it(
    "is off by default: the SLA clock is told so and may call no model",
    () => {
      const { stack, template } = synthKefu({}, { bundle: false });
      const { env, bedrock } = slaClock(stack, template);
      expect(env[REVIEW_ENV.grader]).toBe("off");
      expect(bedrock).toEqual([]);
      expect(SlaConfigSchema.safeParse(env).success).toBe(true);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    "with qaReview=bedrock, grants the SLA clock InvokeModel (Converse) on the answer model only, and cdk-nag stays clean",
    () => {
      const model = "anthropic.claude-3-haiku-20240307-v1:0";
      const { stack, template } = synthKefu({ qaReview: "bedrock", answerModelId: model }, { bundle: false });
      const { env, bedrock } = slaClock(stack, template);
      expect(env[REVIEW_ENV.grader]).toBe("bedrock");
      expect(loadSlaConfig(env).review).toEqual({ grader: "bedrock", modelId: model });
      const text = JSON.stringify(bedrock);
      expect(text).toContain(`foundation-model/${model}`);
      expect(text).not.toMatch(/foundation-model\/\*/);
      expect(bedrock.flatMap((s) => [s.Action].flat())).toEqual(["bedrock:InvokeModel"]);
      expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    "with qaReview=heuristic, reviews without any model access",
    () => {
      const { stack, template } = synthKefu({ qaReview: "heuristic" }, { bundle: false });
      const { env, bedrock } = slaClock(stack, template);
      expect(loadSlaConfig(env).review).toEqual({ grader: "heuristic" });
      expect(bedrock).toEqual([]);
    },
    SYNTH_TIMEOUT_MS,
  );
});
