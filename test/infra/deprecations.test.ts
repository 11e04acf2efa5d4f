import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYNTH_TIMEOUT_MS, synthKefu } from "./synth";

/**
 * `cdk synth` printed "aws-cdk-lib.CfnResource#addDependency is deprecated": the stack must use no
 * deprecated API of aws-cdk-lib. jsii's own switch makes any such call throw instead of printing.
 */
const before = process.env.JSII_DEPRECATED;
beforeAll(() => {
  process.env.JSII_DEPRECATED = "fail";
});
afterAll(() => {
  if (before === undefined) delete process.env.JSII_DEPRECATED;
  else process.env.JSII_DEPRECATED = before;
});

describe("the stack's CDK code", () => {
  it(
    "calls no deprecated aws-cdk-lib API (synthesis with JSII_DEPRECATED=fail)",
    () => {
      expect(() => synthKefu({}, { bundle: false })).not.toThrow();
    },
    SYNTH_TIMEOUT_MS,
  );
});
