import { z } from "zod";
import { FAQ_BUCKET, INBOUND_QUEUE, TABLES } from "./resources";

/**
 * Runtime configuration, validated once at cold start: a missing or malformed variable fails there,
 * not on the thousandth request. Names of tables, queue and bucket come from shared/resources.ts, the
 * same definitions the CDK stack uses to set them.
 */
const tableVars = Object.fromEntries(
  Object.values(TABLES).map((t) => [t.envVar, z.string().min(3)]),
) as Record<(typeof TABLES)[keyof typeof TABLES]["envVar"], z.ZodString>;

const number = (fallback: number) => z.coerce.number().finite().default(fallback);

export const ConfigSchema = z.object({
  /** `local` enables the embedded stack's conveniences (demo credentials, emulator endpoints). */
  KEFU_MODE: z.enum(["aws", "local"]).default("aws"),
  AWS_REGION: z.string().default("us-east-1"),
  ...tableVars,
  [INBOUND_QUEUE.envVar]: z.string().regex(/^https?:\/\/\S+$/, "must be an SQS queue URL"),
  [FAQ_BUCKET.envVar]: z.string().min(3),
  /** Secrets Manager secret holding channel credentials as JSON (keys as in CredentialsSchema). */
  KEFU_SECRET_ARN: z.string().optional(),
  /** Endpoint overrides for the local emulators; unset in AWS. */
  KEFU_DYNAMODB_ENDPOINT: z.string().url().optional(),
  KEFU_AWS_ENDPOINT: z.string().url().optional(),
  /** Base URL of the WeChat API; the local channel simulator in `npm start`. */
  KEFU_WECHAT_API_BASE: z.string().url().default("https://api.weixin.qq.com"),
  /** Accepted clock skew of signed webhook timestamps, in seconds. */
  KEFU_TIMESTAMP_WINDOW_SECONDS: number(300),
  /**
   * Largest webhook body a channel accepts unless its module declares its own limit (e-mail does: SES
   * inlines mail up to 150 KB, base64 inside JSON).
   */
  KEFU_MAX_BODY_BYTES: number(64 * 1024),
  /** Knowledge base the worker answers from. */
  KEFU_KB: z.string().min(1).default("default"),
  /** How often (ms) a worker checks the knowledge-base version stamp. */
  KEFU_KB_REFRESH_MS: number(5000),
  /** Which answering engine the worker uses: the embedded lexical model or Bedrock (hybrid). */
  KEFU_ENGINE: z.enum(["local", "bedrock"]).optional(),
  /** SNS topic that alerts human agents of new tickets (e-mail, chat integrations subscribe to it). */
  KEFU_AGENT_TOPIC_ARN: z.string().optional(),
  POWERTOOLS_SERVICE_NAME: z.string().default("kefu"),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConfigError";
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${problems}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** Physical table names by logical name, from a loaded config. */
export function tableNames(config: Config): Record<keyof typeof TABLES, string> {
  return Object.fromEntries(
    Object.entries(TABLES).map(([name, t]) => [name, config[t.envVar as keyof Config] as string]),
  ) as Record<keyof typeof TABLES, string>;
}
