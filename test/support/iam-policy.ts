/**
 * Just enough of IAM to enforce a function's synthesised DynamoDB grants in a test: the statements of
 * the policies attached to its role, table references resolved to ARNs, and the evaluation rule (an
 * explicit Deny wins, else some Allow must match both the action and the resource). Anything this does
 * not model (conditions, NotAction, an intrinsic it cannot resolve) throws instead of being ignored, so a
 * grant can never look wider or narrower here than it is in AWS.
 */

type Json = Record<string, unknown>;

/** The account and region the test stacks are synthesised in (test/infra/synth.ts). */
export const TEST_ACCOUNT = "123456789012";
export const TEST_REGION = "us-west-2";

/** `arn:aws:dynamodb:<region>:<account>:table/<name>[/index/<index>]`, names being TABLES keys. */
export function tableArn(table: string, index?: string): string {
  return `arn:aws:dynamodb:${TEST_REGION}:${TEST_ACCOUNT}:table/${table}${index ? `/index/${index}` : ""}`;
}

export interface PolicyStatement {
  effect: "Allow" | "Deny";
  /** IAM action patterns (`dynamodb:GetItem`, `dynamodb:Get*`). */
  actions: string[];
  /** Resource ARN patterns. */
  resources: string[];
}

export class UnmodelledPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnmodelledPolicyError";
  }
}

/** Every DynamoDB data-plane operation: a statement whose actions match none of them is not ours. */
const DYNAMODB_ACTIONS = [
  "BatchGetItem",
  "BatchWriteItem",
  "ConditionCheckItem",
  "DeleteItem",
  "DescribeTable",
  "GetItem",
  "PartiQLDelete",
  "PartiQLInsert",
  "PartiQLSelect",
  "PartiQLUpdate",
  "PutItem",
  "Query",
  "Scan",
  "UpdateItem",
].map((a) => `dynamodb:${a}`);

/** IAM wildcards: `*` any run of characters, `?` one character. */
function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, ignoreCase ? "i" : "").test(value);
}

/**
 * The DynamoDB statements of the IAM policies attached to `roleLogicalId` in a synthesised template.
 * `tables` maps a table's logical id to the name its ARN gets here (the TABLES key).
 */
export function dynamoStatementsOf(
  template: { Resources: Record<string, Json> },
  roleLogicalId: string,
  tables: ReadonlyMap<string, string>,
): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== "AWS::IAM::Policy") continue;
    const props = resource.Properties as { Roles?: Json[]; PolicyDocument: { Statement: Json[] } };
    if (!props.Roles?.some((r) => r.Ref === roleLogicalId)) continue;
    for (const st of props.PolicyDocument.Statement) {
      const actions = [st.Action ?? []].flat() as string[];
      const aboutDynamo = actions.some((a) => DYNAMODB_ACTIONS.some((d) => globMatches(a, d, true)));
      if (st.NotAction !== undefined) throw new UnmodelledPolicyError(`${id}: NotAction is not modelled`);
      if (!aboutDynamo) continue;
      if (st.Condition !== undefined || st.NotResource !== undefined || st.Principal !== undefined) {
        throw new UnmodelledPolicyError(
          `${id}: a DynamoDB statement with ${JSON.stringify(st)} is not modelled`,
        );
      }
      statements.push({
        effect: st.Effect === "Deny" ? "Deny" : "Allow",
        actions,
        resources: ([st.Resource].flat() as unknown[]).map((r) => resolve(r, tables)),
      });
    }
  }
  return statements;
}

/** Resolves the intrinsics CDK writes in policy resources; anything else is unmodelled. */
function resolve(value: unknown, tables: ReadonlyMap<string, string>): string {
  if (typeof value === "string") return value;
  const v = value as Json;
  if (typeof v.Ref === "string") {
    const pseudo: Record<string, string> = {
      "AWS::Partition": "aws",
      "AWS::Region": TEST_REGION,
      "AWS::AccountId": TEST_ACCOUNT,
      "AWS::URLSuffix": "amazonaws.com",
    };
    const resolved = pseudo[v.Ref];
    if (resolved) return resolved;
  }
  const getAtt = v["Fn::GetAtt"] as [string, string] | undefined;
  if (getAtt?.[1] === "Arn") {
    const table = tables.get(getAtt[0]);
    // Another resource's ARN can never match a table ARN, which is all that matters here.
    return table ? tableArn(table) : `arn:aws:other:${TEST_REGION}:${TEST_ACCOUNT}:${getAtt[0]}`;
  }
  const join = v["Fn::Join"] as [string, unknown[]] | undefined;
  if (join) return join[1].map((part) => resolve(part, tables)).join(join[0]);
  throw new UnmodelledPolicyError(`cannot resolve ${JSON.stringify(value)} in a DynamoDB statement`);
}

export type Decision = { allowed: true } | { allowed: false; why: string };

/** IAM's rule for one identity policy set: an explicit Deny wins; otherwise an Allow must match. */
export function evaluate(statements: readonly PolicyStatement[], action: string, resource: string): Decision {
  const matches = (st: PolicyStatement) =>
    st.actions.some((a) => globMatches(a, action, true)) &&
    st.resources.some((r) => globMatches(r, resource, false));
  if (statements.some((st) => st.effect === "Deny" && matches(st))) {
    return { allowed: false, why: "with an explicit deny in an identity-based policy" };
  }
  if (statements.some((st) => st.effect === "Allow" && matches(st))) return { allowed: true };
  return { allowed: false, why: `because no identity-based policy allows the ${action} action` };
}
