import * as z from "zod/mini";
import { BedrockConfigError, type Fragment, lazyFragment, readFragment } from "./errors";
import { type Mode, optional } from "./fragments";
import { ENV, type EnvRecord } from "./names";

/**
 * The answer engine: the embedded lexical one (`local`, the default locally) or the hybrid Bedrock one
 * (`bedrock`, the default in AWS), with the Bedrock models. `KEFU_ENGINE=local` needs none of the model
 * settings; `KEFU_ENGINE=bedrock` needs an answer model.
 */
const id = () => z.string().check(z.minLength(1));

const buildBedrockConfigSchema = () =>
  z
    .object({
      /** Which answer engine the worker builds: the embedded lexical one, or the hybrid Bedrock one. */
      KEFU_ENGINE: z._default(z.enum(["local", "bedrock"]), "local"),
      KEFU_EMBEDDING_MODEL_ID: z._default(id(), "amazon.titan-embed-text-v2:0"),
      /** Titan Text Embeddings V2 accepts exactly these sizes. Changing it means re-embedding the KB. */
      KEFU_EMBEDDING_DIMENSIONS: z._default(
        z.pipe(z.coerce.number(), z.union([z.literal(256), z.literal(512), z.literal(1024)])),
        1024,
      ),
      /** A Converse model that supports forced tool choice (Anthropic Claude 3+, Amazon Nova, Mistral Large). */
      KEFU_ANSWER_MODEL_ID: z.optional(id()),
      /** Model for follow-up rewriting; defaults to the answer model. */
      KEFU_REWRITE_MODEL_ID: z.optional(id()),
      KEFU_GUARDRAIL_ID: z.optional(id()),
      KEFU_GUARDRAIL_VERSION: z.optional(id()),
      /** Budget of one generation, retries included. */
      KEFU_ANSWER_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.positive()), 8000),
    })
    .check(
      z.refine((c) => (c.KEFU_GUARDRAIL_ID === undefined) === (c.KEFU_GUARDRAIL_VERSION === undefined), {
        message: "KEFU_GUARDRAIL_ID and KEFU_GUARDRAIL_VERSION must be set together",
        path: ["KEFU_GUARDRAIL_VERSION"],
      }),
      z.refine((c) => c.KEFU_ENGINE !== "bedrock" || c.KEFU_ANSWER_MODEL_ID !== undefined, {
        message: "KEFU_ENGINE=bedrock needs KEFU_ANSWER_MODEL_ID",
        path: ["KEFU_ANSWER_MODEL_ID"],
      }),
    );
let bedrockSchema: ReturnType<typeof buildBedrockConfigSchema> | undefined;
/** The Bedrock settings' schema, built on first use (as the fragments are: lazyFragment). */
export function bedrockConfigSchema() {
  bedrockSchema ??= buildBedrockConfigSchema();
  return bedrockSchema;
}
export type BedrockConfig = z.infer<ReturnType<typeof buildBedrockConfigSchema>>;

/** The Bedrock settings on their own (an engine of `local` unless KEFU_ENGINE says otherwise). */
export function loadBedrockConfig(env: EnvRecord): BedrockConfig {
  return readFragment(
    { schema: bedrockConfigSchema(), what: "Bedrock configuration", error: BedrockConfigError },
    env,
  );
}

/** The guardrail block for Converse, when one is configured. */
export function guardrailFromConfig(config: BedrockConfig): { id: string; version: string } | undefined {
  if (config.KEFU_GUARDRAIL_ID === undefined || config.KEFU_GUARDRAIL_VERSION === undefined) return undefined;
  return { id: config.KEFU_GUARDRAIL_ID, version: config.KEFU_GUARDRAIL_VERSION };
}

export type EngineKind = "local" | "bedrock";

/** Which engine a function builds (the worker answers with it, ingest embeds with its embedder). */
export interface EngineConfig {
  kind: EngineKind;
  /** Validated for the kind: with `bedrock`, an answer model is set. */
  bedrock: BedrockConfig;
}

/** KEFU_ENGINE, by default `bedrock` in AWS and `local` in local mode (KEFU_MODE). */
export const engine: Fragment<EngineConfig> = lazyFragment(
  "Bedrock configuration",
  () =>
    z.pipe(
      z.looseObject({
        [ENV.mode]: optional(z.enum(["aws", "local"])),
        [ENV.engine]: optional(z.enum(["local", "bedrock"])),
      }),
      z.transform((env, ctx): EngineConfig => {
        const kind = env[ENV.engine] ?? (env[ENV.mode] === "local" ? "local" : "bedrock");
        const parsed = bedrockConfigSchema().safeParse({ ...env, [ENV.engine]: kind });
        if (parsed.success) return { kind, bedrock: parsed.data };
        for (const issue of parsed.error.issues)
          ctx.issues.push({ code: "custom", path: issue.path, message: issue.message, input: env });
        return z.NEVER;
      }),
    ),
  BedrockConfigError,
);

/** The engine settings of a function running in `mode`. */
export function engineConfig(env: EnvRecord, mode: Mode): EngineConfig {
  return readFragment(engine, { ...env, [ENV.mode]: mode });
}
