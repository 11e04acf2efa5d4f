import { CredentialsError, type RawCredentials } from "../channels/credentials";
import type { CredentialsLocation } from "../config/fragments";

/** Where a function gets the channel credentials, each time it needs them (cached as it sees fit). */
export interface CredentialsSource {
  get(): Promise<RawCredentials>;
}

/** How long a read of the secret is kept: a rotated secret is picked up within this, without a redeploy. */
export const SECRET_MAX_AGE_SECONDS = 300;

/**
 * The channel credentials where the configuration locates them: the Secrets Manager secret in AWS, read
 * by `secretReader` (made only then; the SDK's in credentials.ts, the webhook's signed fetch in
 * fetch/secrets.ts); locally, the configuration's `KEFU_*` values over the channels' demo credentials
 * (given, or read once when first needed: the webhook loads its channels' modules only then). No SDK
 * here, so that the webhook can use it.
 */
export function locatedCredentials(
  location: CredentialsLocation,
  localDefaults: RawCredentials | (() => Promise<RawCredentials>),
  secretReader: () => (arn: string) => Promise<string | undefined>,
): CredentialsSource {
  if ("environment" in location) {
    const { environment } = location;
    let credentials: Promise<RawCredentials> | undefined;
    return {
      get() {
        credentials ??= (async () => ({
          ...(typeof localDefaults === "function" ? await localDefaults() : localDefaults),
          ...environment,
        }))();
        return credentials;
      },
    };
  }
  return secretSource(location.secretArn, secretReader());
}

/** The credentials in one secret, fetched by `fetchSecret`: a JSON object of `KEFU_<CHANNEL>_<FIELD>` keys. */
export function secretSource(
  arn: string,
  fetchSecret: (arn: string) => Promise<string | undefined>,
): CredentialsSource {
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
