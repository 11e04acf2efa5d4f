import { CredentialsError, type RawCredentials } from "../channels/credentials";

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
