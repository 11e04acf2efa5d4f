import { z } from "zod";
import { CHANNEL_SETTINGS, type KefuStackProps } from "./kefu-stack";

/**
 * The options of `npx cdk synth|deploy`, from CDK context (cdk.json or `-c key=value`), validated at
 * synthesis: a typo (`-c engine=lcoal`) stops synthesis with a message saying what is wrong, instead of
 * silently meaning the default; so does an option this stack does not have (`-c egres=true` would
 * otherwise deploy without the fixed IP). Context values arrive as strings from the command line and as
 * JSON values from cdk.json; empty means unset.
 */

const text = z.preprocess(
  (value) => (value === undefined || value === null || value === "" ? undefined : String(value)),
  z.string().optional(),
);

/** An address SNS will e-mail: a typo would only show as a subscription that never confirms. */
function address(name: string) {
  return z.preprocess(
    (value) => (value === undefined || value === null || value === "" ? undefined : String(value)),
    z.email({ error: `${name} must be an e-mail address` }).optional(),
  );
}

const ContextSchema = z.object({
  embeddingModelId: text,
  answerModelId: text,
  engine: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.enum(["local", "bedrock"], { error: "engine must be local or bedrock" }).optional(),
  ),
  qaReview: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z
      .enum(["off", "bedrock", "heuristic"], { error: "qaReview must be off, bedrock or heuristic" })
      .optional(),
  ),
  egress: z.preprocess(
    (value) => (value === undefined || value === "" ? undefined : String(value)),
    z.enum(["true", "false"], { error: "egress must be true or false" }).optional(),
  ),
  sourceMaps: z.preprocess(
    (value) => (value === undefined || value === "" ? undefined : String(value)),
    z.enum(["true", "false"], { error: "sourceMaps must be true or false" }).optional(),
  ),
  alarmEmail: address("alarmEmail"),
  agentEmail: address("agentEmail"),
  publicUrl: text,
  emailFrom: text,
  emailDomain: text,
  emailConfigurationSet: text,
  smsOrigination: text,
  smsConfigurationSet: text,
  ...Object.fromEntries(CHANNEL_SETTINGS.map((name) => [name, text])),
});

export class ContextError extends Error {
  readonly code = "invalid_context";
  constructor(message: string) {
    super(message);
    this.name = "ContextError";
  }
}

/**
 * Plain-word keys the CDK CLI itself writes to cdk.context.json and passes to the app with the rest:
 * `cdk acknowledge <notice>` and `cdk cli-telemetry --disable`. Refusing them would stop every synth
 * after a user followed the CLI's own advice.
 */
const CDK_CLI_KEYS = new Set(["acknowledged-issue-numbers", "cli-telemetry"]);

/**
 * CDK's own keys: feature flags (`@aws-cdk/…`), its settings (`aws:cdk:…`), the lookups it caches in
 * cdk.context.json (`availability-zones:account=…`) and the CLI's keys above. Every option of this
 * stack is a plain word.
 */
const isCdkKey = (key: string) => key.startsWith("@") || key.includes(":") || CDK_CLI_KEYS.has(key);

/**
 * The stack's options from CDK context; `get` is `app.node.tryGetContext`, `given` the keys the context
 * holds (`app.node.getAllContext()`), so that an option this stack does not have is refused.
 */
export function stackPropsFromContext(
  get: (key: string) => unknown,
  given: readonly string[] = [],
): KefuStackProps {
  const keys = Object.keys(ContextSchema.shape);
  const problems = given
    .filter((key) => !keys.includes(key) && !isCdkKey(key))
    .map((key) => {
      const near = closestOption(key, keys);
      return `-c ${key}: no such option${near ? ` (did you mean ${near}?)` : ""}`;
    });
  const parsed = ContextSchema.safeParse(Object.fromEntries(keys.map((key) => [key, get(key)])));
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((issue) => `-c ${issue.path.join(".")}: ${issue.message}`));
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ContextError(`invalid CDK context: ${problems.join("; ")}`);
  }
  const c = parsed.data as z.infer<typeof ContextSchema> & Record<string, string | undefined>;
  return {
    embeddingModelId: c.embeddingModelId,
    answerModelId: c.answerModelId,
    egress: c.egress === "true",
    sourceMaps: c.sourceMaps === "true",
    engine: c.engine ?? "bedrock",
    qaReview: c.qaReview ?? "off",
    alarmEmail: c.alarmEmail,
    agentEmail: c.agentEmail,
    publicUrl: c.publicUrl,
    emailFrom: c.emailFrom,
    emailDomain: c.emailDomain,
    emailConfigurationSet: c.emailConfigurationSet,
    smsOrigination: c.smsOrigination,
    smsConfigurationSet: c.smsConfigurationSet,
    channelSettings: Object.fromEntries(CHANNEL_SETTINGS.map((name) => [name, c[name]])),
  };
}

/** The option a mistyped key most likely meant: the same but for case, or at most two edits away. */
function closestOption(key: string, options: readonly string[]): string | undefined {
  const sameButCase = options.find((option) => option.toLowerCase() === key.toLowerCase());
  if (sameButCase) return sameButCase;
  let best: { option: string; distance: number } | undefined;
  for (const option of options) {
    const distance = editDistance(key.toLowerCase(), option.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { option, distance };
  }
  return best?.option;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
