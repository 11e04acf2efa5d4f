import { z } from "zod";

/**
 * Bedrock settings of the answer engine, validated at cold start like the rest of shared/config.ts.
 * `KEFU_ENGINE=local` (the default) needs none of them; `KEFU_ENGINE=bedrock` needs an answer model.
 */
export const BedrockConfigSchema = z
  .object({
    /** Which answer engine the worker builds: the embedded lexical one, or the hybrid Bedrock one. */
    KEFU_ENGINE: z.enum(["local", "bedrock"]).default("local"),
    KEFU_EMBEDDING_MODEL_ID: z.string().min(1).default("amazon.titan-embed-text-v2:0"),
    /** Titan Text Embeddings V2 accepts exactly these sizes. Changing it means re-embedding the KB. */
    KEFU_EMBEDDING_DIMENSIONS: z.coerce
      .number()
      .pipe(z.union([z.literal(256), z.literal(512), z.literal(1024)]))
      .default(1024),
    /** A Converse model that supports forced tool choice (Anthropic Claude 3+, Amazon Nova, Mistral Large). */
    KEFU_ANSWER_MODEL_ID: z.string().min(1).optional(),
    /** Model for follow-up rewriting; defaults to the answer model. */
    KEFU_REWRITE_MODEL_ID: z.string().min(1).optional(),
    KEFU_GUARDRAIL_ID: z.string().min(1).optional(),
    KEFU_GUARDRAIL_VERSION: z.string().min(1).optional(),
    /** Budget of one generation, retries included. */
    KEFU_ANSWER_TIMEOUT_MS: z.coerce.number().int().positive().default(8000),
  })
  .refine((c) => (c.KEFU_GUARDRAIL_ID === undefined) === (c.KEFU_GUARDRAIL_VERSION === undefined), {
    message: "KEFU_GUARDRAIL_ID and KEFU_GUARDRAIL_VERSION must be set together",
    path: ["KEFU_GUARDRAIL_VERSION"],
  })
  .refine((c) => c.KEFU_ENGINE !== "bedrock" || c.KEFU_ANSWER_MODEL_ID !== undefined, {
    message: "KEFU_ENGINE=bedrock needs KEFU_ANSWER_MODEL_ID",
    path: ["KEFU_ANSWER_MODEL_ID"],
  });
export type BedrockConfig = z.infer<typeof BedrockConfigSchema>;

export class BedrockConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BedrockConfigError";
  }
}

export function loadBedrockConfig(env: NodeJS.ProcessEnv = process.env): BedrockConfig {
  const parsed = BedrockConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new BedrockConfigError(`invalid Bedrock configuration: ${problems}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** The guardrail block for Converse, when one is configured. */
export function guardrailFromConfig(config: BedrockConfig): { id: string; version: string } | undefined {
  if (config.KEFU_GUARDRAIL_ID === undefined || config.KEFU_GUARDRAIL_VERSION === undefined) return undefined;
  return { id: config.KEFU_GUARDRAIL_ID, version: config.KEFU_GUARDRAIL_VERSION };
}
