import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { RawCredentials } from "../channels/credentials";
import type { CredentialsLocation } from "../config/fragments";
import { type CredentialsSource, locatedCredentials, SECRET_MAX_AGE_SECONDS } from "./secret-source";

export type { CredentialsSource } from "./secret-source";

/**
 * The Secrets Manager secret in AWS (one JSON object, read through Powertools' cache); locally, the
 * configuration's `KEFU_*` values over the channels' demo credentials (secret-source.ts).
 */
export function credentialsSource(
  location: CredentialsLocation,
  secrets: SecretsManagerClient,
  localDefaults: RawCredentials = {},
): CredentialsSource {
  return locatedCredentials(location, localDefaults, () => {
    const provider = new SecretsProvider({ awsSdkV3Client: secrets });
    return async (arn) => (await provider.get(arn, { maxAge: SECRET_MAX_AGE_SECONDS })) as string | undefined;
  });
}
