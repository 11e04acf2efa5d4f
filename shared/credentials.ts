import { z } from "zod";

/**
 * Channel credentials. In AWS they live in one Secrets Manager secret, a JSON object whose keys are
 * exactly these variable names; locally they come from the environment, with demo defaults so that
 * `npm start` works out of the box. A channel whose credentials are absent is simply not served.
 */
export const LOCAL_DEMO_CREDENTIALS = {
  KEFU_WECHAT_TOKEN: "kefu-demo-token",
  // 43 characters, as the WeChat console generates it (base64 of 32 bytes without the trailing "=").
  KEFU_WECHAT_AES_KEY: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  KEFU_WECHAT_APP_ID: "wxkefudemo0000001",
  KEFU_WECHAT_APP_SECRET: "kefu-demo-app-secret",
} as const;

const aesKey = z.string().regex(/^[A-Za-z0-9+/]{43}$/, "must be the 43-character EncodingAESKey");

export const WeChatCredentialsSchema = z.object({
  KEFU_WECHAT_TOKEN: z.string().min(3).max(32),
  KEFU_WECHAT_AES_KEY: aesKey,
  KEFU_WECHAT_APP_ID: z.string().min(3),
  KEFU_WECHAT_APP_SECRET: z.string().min(3),
});
export type WeChatCredentials = z.infer<typeof WeChatCredentialsSchema>;

export interface Credentials {
  wechat?: WeChatCredentials;
}

/** Reads each channel's group; a group that is absent is undefined, a group that is half set is an error. */
export function parseCredentials(source: Record<string, string | undefined>): Credentials {
  return { wechat: parseGroup(WeChatCredentialsSchema, source, "KEFU_WECHAT_") };
}

function parseGroup<T extends z.ZodObject>(
  schema: T,
  source: Record<string, string | undefined>,
  prefix: string,
): z.infer<T> | undefined {
  const present = Object.keys(schema.shape).some((k) => source[k] !== undefined && source[k] !== "");
  if (!present) return undefined;
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid ${prefix}* credentials: ${problems}`);
  }
  return parsed.data;
}

/** Local mode: environment over demo defaults. */
export function localCredentials(env: NodeJS.ProcessEnv = process.env): Credentials {
  return parseCredentials({ ...LOCAL_DEMO_CREDENTIALS, ...stripEmpty(env) });
}

function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => !!e[1]));
}

/**
 * Where a function gets its credentials: the Secrets Manager secret in AWS (cached by Powertools for
 * `maxAgeSeconds`, so a rotated secret is picked up without a redeploy), the environment locally.
 */
export interface CredentialsSource {
  get(): Promise<Credentials>;
}

export function credentialsSource(
  config: { KEFU_MODE: "aws" | "local"; KEFU_SECRET_ARN?: string | undefined },
  fetchSecret: (arn: string) => Promise<string | undefined>,
): CredentialsSource {
  if (!config.KEFU_SECRET_ARN) {
    if (config.KEFU_MODE !== "local") throw new Error("KEFU_SECRET_ARN is required outside local mode");
    const creds = localCredentials();
    return { get: async () => creds };
  }
  const arn = config.KEFU_SECRET_ARN;
  return {
    async get() {
      const raw = await fetchSecret(arn);
      if (!raw) throw new Error("the channel credentials secret is empty");
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch (cause) {
        throw new Error("the channel credentials secret is not a JSON object", { cause });
      }
      if (typeof json !== "object" || json === null) throw new Error("the credentials secret is not an object");
      return parseCredentials(json as Record<string, string>);
    },
  };
}
