// zod/mini: the credentials are read on the webhook's path (see core/message.ts).
import * as z from "zod/mini";

/**
 * Channel credentials. In AWS they live in one Secrets Manager secret, a JSON object whose keys are the
 * same `KEFU_<CHANNEL>_<FIELD>` names that are environment variables locally. Each channel module
 * (shared/channels/<channel>/module.ts) owns the schema and the demo defaults of its own keys.
 */
export type RawCredentials = Record<string, string | undefined>;

/** The 43-character EncodingAESKey of WeChat, WeCom and DingTalk callbacks. */
export const aesKey = z
  .string()
  .check(z.regex(/^[A-Za-z0-9+/]{43}$/, "must be the 43-character EncodingAESKey"));

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
  schema: z.ZodMiniType<T>,
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
