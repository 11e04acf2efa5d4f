import type { RawCredentials } from "../../channels/credentials";
import type { CredentialsLocation } from "../../config/fragments";
import { type CredentialsSource, locatedCredentials, SECRET_MAX_AGE_SECONDS } from "../secret-source";
import { type AwsJsonClientOptions, awsJsonClient } from "./aws-json";

export const SECRETS_MANAGER = {
  service: "secretsmanager",
  targetPrefix: "secretsmanager",
  jsonVersion: "1.1",
} as const;

/**
 * The channel credentials as credentials.ts reads them, with Secrets Manager's GetSecretValue over the
 * signed-fetch client: read at most once per SECRET_MAX_AGE_SECONDS, as Powertools' cache does (a
 * failed read is not kept), concurrent first reads sharing one call.
 */
export function fetchCredentialsSource(
  location: CredentialsLocation,
  options: AwsJsonClientOptions,
  localDefaults: RawCredentials | (() => Promise<RawCredentials>) = {},
  now: () => number = Date.now,
): CredentialsSource {
  return locatedCredentials(location, localDefaults, () => {
    const call = awsJsonClient(SECRETS_MANAGER, options);
    let cached: { value: Promise<string | undefined>; readAt: number } | undefined;
    return (arn) => {
      if (!cached || now() - cached.readAt >= SECRET_MAX_AGE_SECONDS * 1000) {
        const entry = {
          value: call<{ SecretString?: string }>("GetSecretValue", { SecretId: arn }).then(
            (a) => a.SecretString,
          ),
          readAt: now(),
        };
        cached = entry;
        entry.value.catch(() => {
          if (cached === entry) cached = undefined;
        });
      }
      return cached.value;
    };
  });
}
