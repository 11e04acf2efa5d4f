import { z } from "zod";
import { CHANNEL_SETTINGS, type KefuStackProps } from "./kefu-stack";

/**
 * The options of `npx cdk synth|deploy`, from CDK context (cdk.json or `-c key=value`), validated at
 * synthesis: a typo (`-c engine=lcoal`) stops synthesis with a message saying what is wrong, instead of
 * silently meaning the default. Context values arrive as strings from the command line and as JSON
 * values from cdk.json; empty means unset.
 */

const text = z.preprocess(
  (value) => (value === undefined || value === null || value === "" ? undefined : String(value)),
  z.string().optional(),
);

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
  alarmEmail: text,
  agentEmail: text,
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

/** The stack's options from CDK context; `get` is `app.node.tryGetContext`. */
export function stackPropsFromContext(get: (key: string) => unknown): KefuStackProps {
  const keys = Object.keys(ContextSchema.shape);
  const parsed = ContextSchema.safeParse(Object.fromEntries(keys.map((key) => [key, get(key)])));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `-c ${issue.path.join(".")}: ${issue.message}`);
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
