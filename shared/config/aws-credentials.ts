import { ConfigError } from "./errors";
import type { RuntimeSettings } from "./fragments";
import { ENV, type EnvRecord } from "./names";

/** What signs a request to AWS. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Lambda gave the function no credentials: its role or its environment is wrong. */
export class MissingAwsCredentialsError extends ConfigError {
  override readonly code = "missing_aws_credentials";
}

/**
 * The credentials a function signs its own AWS calls with (the webhook's, which uses no SDK client):
 * in AWS, its role's, which Lambda puts in the environment; locally, dummy ones, since the emulators
 * check no signature and real credentials must never reach them. Read at each call, not kept in the
 * configuration, so that they never appear where a configuration is printed.
 */
export function awsCredentialsSource(
  runtime: Pick<RuntimeSettings, "mode">,
  env: EnvRecord = process.env,
): () => AwsCredentials {
  if (runtime.mode === "local") return () => ({ accessKeyId: "local", secretAccessKey: "local" });
  return () => {
    const accessKeyId = env[ENV.accessKeyId];
    const secretAccessKey = env[ENV.secretAccessKey];
    const sessionToken = env[ENV.sessionToken];
    if (!accessKeyId || !secretAccessKey) {
      throw new MissingAwsCredentialsError(`${ENV.accessKeyId} and ${ENV.secretAccessKey} must be set`);
    }
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  };
}
