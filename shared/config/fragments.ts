import * as z from "zod/mini";
import { TABLES, type TableName } from "../resources";
import { type Fragment, lazyFragment } from "./errors";
import { ENV, TABLE_ENV } from "./names";

/**
 * The fragments every function's configuration is made of (load.ts composes them per function): each is
 * a zod schema over the environment that gives a typed, structured value, built when a function first
 * reads it (lazyFragment).
 */

/** One for every optional setting: each schema built is a cold-start cost (issue 10). */
const emptyAsUnset = z.transform((value: unknown) => (value === "" ? undefined : value));

/** Empty counts as unset: CDK and shells write "" for a value they do not have. */
export const optional = <T extends z.core.SomeType>(schema: T) => z.pipe(emptyAsUnset, z.optional(schema));

const number = (fallback: number) =>
  z.pipe(
    optional(z.coerce.number()),
    z.transform((n: number | undefined) => n ?? fallback),
  );

export const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "SILENT", "CRITICAL"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type Mode = "aws" | "local";

/** What every function and tool needs to reach AWS (or the local emulators) and to log. */
export interface RuntimeSettings {
  /** `local`: the embedded stack (demo credentials, emulator endpoints, simulator certificates). */
  mode: Mode;
  region: string;
  /** Endpoint overrides for the local emulators; unset in AWS. */
  endpoints: { dynamodb?: string; aws?: string };
  serviceName: string;
  /** Powertools' log level; Powertools' own default when unset. */
  logLevel?: LogLevel;
  /**
   * Metrics are not printed: POWERTOOLS_METRICS_DISABLED, else POWERTOOLS_DEV (Powertools' rule, which its
   * Metrics applies on its own; the webhook's EMF lines, shared/aws/metrics-emf.ts, apply it from here).
   */
  metricsDisabled: boolean;
}

/** A boolean as Powertools reads its switches: 1/y/yes/t/true/on or 0/n/no/f/false/off, any case. */
const TRUTHY = ["1", "y", "yes", "t", "true", "on"] as const;
const FALSY = ["0", "n", "no", "f", "false", "off"] as const;
const powertoolsSwitch = optional(
  z.pipe(
    z.string().check(z.trim(), z.toLowerCase()),
    z.enum([...TRUTHY, ...FALSY], { error: `must be one of ${[...TRUTHY, ...FALSY].join(", ")}` }),
  ),
);
const isTruthy = (value: string | undefined) => (TRUTHY as readonly string[]).includes(value ?? "");

export const runtime: Fragment<RuntimeSettings> = lazyFragment("configuration", () =>
  z.pipe(
    z.object({
      [ENV.mode]: optional(z.enum(["aws", "local"])),
      [ENV.region]: optional(z.string()),
      [ENV.dynamodbEndpoint]: optional(z.url()),
      [ENV.awsEndpoint]: optional(z.url()),
      [ENV.serviceName]: optional(z.string()),
      [ENV.logLevel]: optional(z.pipe(z.string().check(z.toUpperCase()), z.enum(LOG_LEVELS))),
      [ENV.metricsDisabled]: powertoolsSwitch,
      // Powertools ignores a POWERTOOLS_DEV it cannot read (not development mode).
      [ENV.powertoolsDev]: optional(z.string()),
    }),
    z.transform((env) => ({
      mode: env[ENV.mode] ?? "aws",
      region: env[ENV.region] ?? "us-east-1",
      endpoints: {
        ...(env[ENV.dynamodbEndpoint] ? { dynamodb: env[ENV.dynamodbEndpoint] } : {}),
        ...(env[ENV.awsEndpoint] ? { aws: env[ENV.awsEndpoint] } : {}),
      },
      serviceName: env[ENV.serviceName] ?? "kefu",
      ...(env[ENV.logLevel] ? { logLevel: env[ENV.logLevel] } : {}),
      metricsDisabled:
        env[ENV.metricsDisabled] !== undefined
          ? isTruthy(env[ENV.metricsDisabled])
          : isTruthy(env[ENV.powertoolsDev]?.trim().toLowerCase()),
    })),
  ),
);

/** The physical names of the given tables (names from shared/resources.ts). */
export function tables<T extends TableName>(...names: T[]): Fragment<Record<T, string>> {
  return lazyFragment("configuration", () =>
    z.pipe(
      z.object(Object.fromEntries(names.map((name) => [TABLE_ENV[name], z.string().check(z.minLength(3))]))),
      z.transform(
        (env) =>
          Object.fromEntries(names.map((name) => [name, env[TABLES[name].envVar]])) as Record<T, string>,
      ),
    ),
  );
}

export const queueUrl: Fragment<string> = lazyFragment("configuration", () =>
  z.pipe(
    z.object({ [ENV.queueUrl]: z.string().check(z.regex(/^https?:\/\/\S+$/, "must be an SQS queue URL")) }),
    z.transform((env) => env[ENV.queueUrl]),
  ),
);

export const faqBucket: Fragment<string> = lazyFragment("configuration", () =>
  z.pipe(
    z.object({ [ENV.faqBucket]: z.string().check(z.minLength(3)) }),
    z.transform((env) => env[ENV.faqBucket]),
  ),
);

export const agentTopicArn: Fragment<string | undefined> = lazyFragment("configuration", () =>
  z.pipe(
    z.object({ [ENV.agentTopicArn]: optional(z.string()) }),
    z.transform((env) => env[ENV.agentTopicArn]),
  ),
);

/**
 * Where the channel credentials come from: the Secrets Manager secret (KEFU_SECRET_ARN) in AWS; locally,
 * without a secret, the environment's `KEFU_*` values over the channels' demo credentials.
 */
export type CredentialsLocation = { secretArn: string } | { environment: Record<string, string> };

export const credentials: Fragment<CredentialsLocation> = lazyFragment("configuration", () =>
  z.pipe(
    z
      .looseObject({ [ENV.mode]: optional(z.enum(["aws", "local"])), [ENV.secretArn]: optional(z.string()) })
      .check(
        z.superRefine((env, ctx) => {
          if (!env[ENV.secretArn] && env[ENV.mode] !== "local") {
            ctx.addIssue({
              code: "custom",
              path: [ENV.secretArn],
              message: "is required outside local mode",
            });
          }
        }),
      ),
    z.transform((env): CredentialsLocation => {
      const arn = env[ENV.secretArn];
      if (arn) return { secretArn: arn };
      return {
        environment: Object.fromEntries(
          Object.entries(env).filter(
            (entry): entry is [string, string] =>
              entry[0].startsWith("KEFU_") && typeof entry[1] === "string" && entry[1] !== "",
          ),
        ),
      };
    }),
  ),
);

/** What the webhook checks of every request. */
export interface IngressSettings {
  /** Accepted clock skew of signed webhook timestamps, in seconds. */
  timestampWindowSeconds: number;
  /**
   * Largest webhook body a channel accepts unless its module declares its own limit (e-mail does: SES
   * inlines mail up to 150 KB, base64 inside JSON).
   */
  maxBodyBytes: number;
  /** The public base URL platforms call, for signatures that cover the URL (Twilio). */
  publicUrl?: string;
}

export const ingress: Fragment<IngressSettings> = lazyFragment("configuration", () =>
  z.pipe(
    z.object({
      [ENV.timestampWindowSeconds]: number(300),
      [ENV.maxBodyBytes]: number(64 * 1024),
      [ENV.publicUrl]: optional(z.url()),
    }),
    z.transform((env) => ({
      timestampWindowSeconds: env[ENV.timestampWindowSeconds],
      maxBodyBytes: env[ENV.maxBodyBytes],
      ...(env[ENV.publicUrl] ? { publicUrl: env[ENV.publicUrl] } : {}),
    })),
  ),
);

/** The knowledge base the worker answers from, and how often it checks for a new version. */
export interface KnowledgeBaseSettings {
  name: string;
  refreshMs: number;
}

export const knowledgeBase: Fragment<KnowledgeBaseSettings> = lazyFragment("configuration", () =>
  z.pipe(
    z.object({ [ENV.kb]: optional(z.string().check(z.minLength(1))), [ENV.kbRefreshMs]: number(5000) }),
    z.transform((env) => ({ name: env[ENV.kb] ?? "default", refreshMs: env[ENV.kbRefreshMs] })),
  ),
);
