import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { documentClient, secretsClient } from "./aws";
import { type Config, loadConfig } from "./config";
import { type CredentialsSource, credentialsSource } from "./credentials";

/**
 * What every function makes once per cold start: validated config, Powertools logger and metrics, the
 * DynamoDB document client and the channel credentials (Secrets Manager in AWS, cached five minutes).
 */
export interface Runtime {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  doc: ReturnType<typeof documentClient>;
  credentials: CredentialsSource;
}

export function createRuntime(env: NodeJS.ProcessEnv = process.env): Runtime {
  const config = loadConfig(env);
  const secrets = new SecretsProvider({ awsSdkV3Client: secretsClient(config) });
  return {
    config,
    logger: new Logger({ serviceName: config.POWERTOOLS_SERVICE_NAME }),
    metrics: new Metrics({ namespace: "Kefu", serviceName: config.POWERTOOLS_SERVICE_NAME }),
    doc: documentClient(config),
    credentials: credentialsSource(
      config,
      async (arn) => (await secrets.get(arn, { maxAge: 300 })) as string,
    ),
  };
}
