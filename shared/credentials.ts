import { z } from "zod";

/**
 * Channel credentials. In AWS they live in one Secrets Manager secret, a JSON object whose keys are the
 * same `KEFU_<CHANNEL>_<FIELD>` names that are environment variables locally. Each channel module
 * (shared/channels/<channel>/module.ts) owns the schema and the demo defaults of its own keys.
 */
export type RawCredentials = Record<string, string | undefined>;

/** The 43-character EncodingAESKey of WeChat, WeCom and DingTalk callbacks. */
export const aesKey = z.string().regex(/^[A-Za-z0-9+/]{43}$/, "must be the 43-character EncodingAESKey");

/**
 * The message encryption mode chosen in the WeChat console (消息加解密方式): 明文模式 `plaintext`, 兼容模式
 * `compatible`, 安全模式 `safe`. What the webhook accepts follows from it:
 * - `safe`: only encrypted pushes (`encrypt_type=aes`, `msg_signature` over the ciphertext). WeChat sends
 *   those in its compatible mode too, so this is right for both, and the default when a key is set.
 * - `compatible`: encrypted pushes, and also plaintext ones, whose `signature` covers only the token,
 *   timestamp and nonce: anyone who saw one such query string could post any XML for five minutes. Only
 *   for the minutes of switching the console from plaintext to an encrypted mode.
 * - `plaintext`: plaintext pushes only; the default when no EncodingAESKey is set.
 */
export const WECHAT_ENCRYPTION_MODES = ["plaintext", "compatible", "safe"] as const;
export type WeChatEncryptionMode = (typeof WECHAT_ENCRYPTION_MODES)[number];

export const WeChatCredentialsSchema = z
  .object({
    KEFU_WECHAT_TOKEN: z.string().min(3).max(32),
    /** Required for the `compatible` and `safe` modes. */
    KEFU_WECHAT_AES_KEY: aesKey.optional(),
    KEFU_WECHAT_APP_ID: z.string().min(3),
    KEFU_WECHAT_APP_SECRET: z.string().min(3),
    KEFU_WECHAT_ENCRYPTION_MODE: z.enum(WECHAT_ENCRYPTION_MODES).optional(),
  })
  .superRefine((c, ctx) => {
    const mode = c.KEFU_WECHAT_ENCRYPTION_MODE;
    if (mode && mode !== "plaintext" && !c.KEFU_WECHAT_AES_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["KEFU_WECHAT_AES_KEY"],
        message: `is required in the ${mode} mode`,
      });
    }
  });
export type WeChatCredentials = z.infer<typeof WeChatCredentialsSchema>;

/** The mode in force: as configured, else `safe` when an EncodingAESKey is set and `plaintext` when not. */
export function wechatEncryptionMode(credentials: WeChatCredentials): WeChatEncryptionMode {
  return credentials.KEFU_WECHAT_ENCRYPTION_MODE ?? (credentials.KEFU_WECHAT_AES_KEY ? "safe" : "plaintext");
}

export class CredentialsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CredentialsError";
  }
}

/**
 * Reads one channel's group of keys: undefined when none of them is set (the channel is off), an error
 * naming the bad keys (never their values) when the group is half set or malformed.
 */
export function parseCredentialGroup<T>(
  schema: z.ZodType<T>,
  keys: string[],
  source: RawCredentials,
): T | undefined {
  const present = keys.some((k) => source[k] !== undefined && source[k] !== "");
  if (!present) return undefined;
  const picked = Object.fromEntries(keys.map((k) => [k, source[k] === "" ? undefined : source[k]]));
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new CredentialsError(`invalid channel credentials: ${problems}`);
  }
  return parsed.data;
}

/**
 * Where a function gets its credentials: the Secrets Manager secret in AWS (cached by Powertools, so a
 * rotated secret is picked up without a redeploy), the environment over demo defaults locally.
 */
export interface CredentialsSource {
  get(): Promise<RawCredentials>;
}

export function credentialsSource(
  config: { KEFU_MODE: "aws" | "local"; KEFU_SECRET_ARN?: string | undefined },
  fetchSecret: (arn: string) => Promise<string | undefined>,
  localDefaults: RawCredentials = {},
  env: NodeJS.ProcessEnv = process.env,
): CredentialsSource {
  if (!config.KEFU_SECRET_ARN) {
    if (config.KEFU_MODE !== "local")
      throw new CredentialsError("KEFU_SECRET_ARN is required outside local mode");
    const creds = { ...localDefaults, ...stripEmpty(env) };
    return { get: async () => creds };
  }
  const arn = config.KEFU_SECRET_ARN;
  return {
    async get() {
      const raw = await fetchSecret(arn);
      if (!raw) throw new CredentialsError("the channel credentials secret is empty");
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch (cause) {
        throw new CredentialsError("the channel credentials secret is not a JSON object", { cause });
      }
      if (typeof json !== "object" || json === null || Array.isArray(json)) {
        throw new CredentialsError("the channel credentials secret is not a JSON object");
      }
      return Object.fromEntries(
        Object.entries(json).map(([k, v]) => [k, v === null ? undefined : String(v)]),
      );
    },
  };
}

function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => !!e[1]));
}
