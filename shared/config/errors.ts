// zod/mini: the webhook loads its configuration at every cold start, and its bundle must stay small (see
// core/message.ts). Fragments written with the full zod (engine, texts, thresholds) still compose here.
import * as z from "zod/mini";
import type { EnvRecord } from "./names";

/**
 * A setting is missing or malformed. Thrown when a function's configuration is loaded, at cold start, so
 * that a typo stops the function there and then, not on the thousandth request. The message names the
 * variables and what is wrong with them, never their values.
 */
export class ConfigError extends Error {
  readonly code: string = "invalid_config";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The Bedrock engine's settings (KEFU_ENGINE, models, guardrail). */
export class BedrockConfigError extends ConfigError {
  override readonly code = "invalid_bedrock_config";
}

/** The policy's thresholds (KEFU_ANSWER_THRESHOLD…). */
export class ThresholdConfigError extends ConfigError {
  override readonly code = "invalid_thresholds";
}

/** A channel's settings (KEFU_SMS_MAX_SEGMENTS, KEFU_EMAIL_AUTH…). */
export class ChannelSettingsError extends ConfigError {
  override readonly code = "invalid_channel_settings";
}

/** The operators' wording (KEFU_TEXT_OVERRIDES). */
export class TextOverridesError extends ConfigError {
  override readonly code = "invalid_text_overrides";
}

type ConfigErrorClass = new (message: string, options?: { cause?: unknown }) => ConfigError;

/** A part of a configuration: a schema over the environment, and the error that names its problems. */
export interface Fragment<T> {
  /** A zod/mini or zod schema (both are read with zod/mini's `safeParse`). */
  schema: z.core.$ZodType<T>;
  /** What is invalid, in the error message ("invalid thresholds: …"). */
  what: string;
  error?: ConfigErrorClass;
}

/**
 * A fragment whose schema is built the first time it is read. Building zod schemas is most of what a
 * cold start costs (issue 10: the webhook's bundle spent more CPU constructing schemas than on anything
 * else), and a module of fragments is loaded by functions that read few of them: the webhook reads
 * neither the engine's nor the FAQ import's.
 */
export function lazyFragment<T>(
  what: string,
  build: () => z.core.$ZodType<T>,
  error?: ConfigErrorClass,
): Fragment<T> {
  let schema: z.core.$ZodType<T> | undefined;
  return {
    what,
    ...(error ? { error } : {}),
    get schema() {
      schema ??= build();
      return schema;
    },
  };
}

/** `name: problem; name: problem`, from zod's issues (which name paths and rules, never values). */
export function describeIssues(error: z.core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
}

/** One fragment, read on its own: its value, or its error. */
export function readFragment<T>(fragment: Fragment<T>, env: EnvRecord): T {
  const parsed = z.safeParse(fragment.schema, env);
  if (parsed.success) return parsed.data;
  const ErrorClass = fragment.error ?? ConfigError;
  throw new ErrorClass(`invalid ${fragment.what}: ${describeIssues(parsed.error)}`, { cause: parsed.error });
}

type ConfigOf<F extends Record<string, Fragment<unknown>>> = {
  [K in keyof F]: F[K] extends Fragment<infer T> ? T : never;
};

/**
 * One zod schema over the environment made of named fragments: `{ runtime, tables: tables(...) }` →
 * `{ runtime: …, tables: … }`. Every fragment is checked, so every problem is reported at once; each
 * issue says which fragment it belongs to (`params.fragment`).
 */
export function configSchema<F extends Record<string, Fragment<unknown>>>(
  fragments: F,
): z.ZodMiniType<ConfigOf<F>, EnvRecord> {
  return z.pipe(
    z.custom<EnvRecord>((value) => typeof value === "object" && value !== null, "must be an environment"),
    z.transform((env: EnvRecord, ctx) => {
      const out: Record<string, unknown> = {};
      for (const [key, fragment] of Object.entries(fragments)) {
        const parsed = z.safeParse(fragment.schema, env);
        if (parsed.success) out[key] = parsed.data;
        else {
          for (const issue of parsed.error.issues) {
            ctx.issues.push({
              code: "custom",
              path: issue.path,
              message: issue.message,
              params: { fragment: key },
              input: env,
            });
          }
        }
      }
      return out as ConfigOf<F>;
    }),
  );
}

/**
 * Reads one configuration, or throws naming every problem: the error is of the first failing fragment's
 * class (a BedrockConfigError for the models…), its message lists the problems of all of them.
 */
export function readConfig<F extends Record<string, Fragment<unknown>>>(
  fragments: F,
  env: EnvRecord,
): ConfigOf<F> {
  const parsed = configSchema(fragments).safeParse(env);
  if (parsed.success) return parsed.data;
  const byFragment = new Map<string, z.core.$ZodIssue[]>();
  for (const issue of parsed.error.issues) {
    const key = String((issue as { params?: { fragment?: string } }).params?.fragment ?? "");
    byFragment.set(key, [...(byFragment.get(key) ?? []), issue]);
  }
  const [firstKey = ""] = byFragment.keys();
  const ErrorClass = fragments[firstKey]?.error ?? ConfigError;
  const problems = [...byFragment].map(
    ([key, issues]) =>
      `invalid ${fragments[key]?.what ?? "configuration"}: ${issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
  );
  throw new ErrorClass(problems.join("; "), { cause: parsed.error });
}
