import { describe, expect, it } from "vitest";
import {
  dynamoStatementsOf,
  evaluate,
  type PolicyStatement,
  tableArn,
  UnmodelledPolicyError,
} from "../../support/iam-policy";

/** The IAM subset the table-grants test enforces must be right itself, or it could pass a missing grant. */
const tables = new Map([
  ["TokensTable1", "tokens"],
  ["OutboxTable2", "outbox"],
]);
const templateWith = (statements: Record<string, unknown>[]) => ({
  Resources: {
    Policy: {
      Type: "AWS::IAM::Policy",
      Properties: { Roles: [{ Ref: "Role" }], PolicyDocument: { Statement: statements } },
    },
    Other: {
      Type: "AWS::IAM::Policy",
      Properties: {
        Roles: [{ Ref: "AnotherRole" }],
        PolicyDocument: { Statement: [{ Effect: "Allow", Action: "dynamodb:*", Resource: "*" }] },
      },
    },
  },
});

describe("dynamoStatementsOf", () => {
  it("reads the role's DynamoDB statements only, resolving table ARNs and index ARNs", () => {
    const statements = dynamoStatementsOf(
      templateWith([
        {
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:Query"],
          Resource: { "Fn::GetAtt": ["TokensTable1", "Arn"] },
        },
        {
          Effect: "Allow",
          Action: "dynamodb:Query",
          Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": ["OutboxTable2", "Arn"] }, "/index/*"]] },
        },
        { Effect: "Allow", Action: "sqs:SendMessage", Resource: { "Fn::GetAtt": ["Queue", "Arn"] } },
      ]),
      "Role",
      tables,
    );
    expect(statements).toEqual([
      { effect: "Allow", actions: ["dynamodb:GetItem", "dynamodb:Query"], resources: [tableArn("tokens")] },
      { effect: "Allow", actions: ["dynamodb:Query"], resources: [`${tableArn("outbox")}/index/*`] },
    ]);
  });

  it("refuses what it does not model instead of ignoring it: conditions, NotAction, unknown intrinsics", () => {
    const cases = [
      { Effect: "Allow", Action: "dynamodb:GetItem", Resource: "*", Condition: { StringEquals: { x: "y" } } },
      { Effect: "Allow", NotAction: "dynamodb:DeleteItem", Resource: "*" },
      { Effect: "Allow", Action: "dynamodb:GetItem", Resource: { "Fn::ImportValue": "x" } },
    ];
    for (const st of cases) {
      expect(() => dynamoStatementsOf(templateWith([st]), "Role", tables)).toThrow(UnmodelledPolicyError);
    }
  });
});

describe("evaluate", () => {
  const allow = (actions: string[], resources: string[]): PolicyStatement => ({
    effect: "Allow",
    actions,
    resources,
  });

  it("allows an action only on a resource a statement names, with IAM's wildcards", () => {
    const policy = [allow(["dynamodb:Get*", "dynamodb:PutItem"], [tableArn("tokens")])];
    expect(evaluate(policy, "dynamodb:GetItem", tableArn("tokens")).allowed).toBe(true);
    expect(evaluate(policy, "dynamodb:getitem", tableArn("tokens")).allowed).toBe(true);
    expect(evaluate(policy, "dynamodb:PutItem", tableArn("tokens")).allowed).toBe(true);
    expect(evaluate(policy, "dynamodb:UpdateItem", tableArn("tokens")).allowed).toBe(false);
    expect(evaluate(policy, "dynamodb:GetItem", tableArn("outbox")).allowed).toBe(false);
    // A table grant does not cover its indexes; `table/x*` would.
    expect(evaluate(policy, "dynamodb:GetItem", tableArn("tokens", "byStatus")).allowed).toBe(false);
    expect(
      evaluate(
        [allow(["dynamodb:Query"], [`${tableArn("tokens")}*`])],
        "dynamodb:Query",
        tableArn("tokens", "i"),
      ).allowed,
    ).toBe(true);
  });

  it("lets an explicit Deny win over any Allow", () => {
    const policy: PolicyStatement[] = [
      allow(["dynamodb:*"], ["*"]),
      { effect: "Deny", actions: ["dynamodb:DeleteItem"], resources: [tableArn("tokens")] },
    ];
    expect(evaluate(policy, "dynamodb:DeleteItem", tableArn("tokens"))).toEqual({
      allowed: false,
      why: "with an explicit deny in an identity-based policy",
    });
    expect(evaluate(policy, "dynamodb:DeleteItem", tableArn("outbox")).allowed).toBe(true);
  });
});
