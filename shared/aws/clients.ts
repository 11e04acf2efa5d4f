import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Config } from "../config";

/**
 * AWS clients, made once per cold start by the handlers and passed into the core. In local mode they
 * point at the emulators of the embedded stack.
 */
type Endpoints = Pick<Config, "AWS_REGION" | "KEFU_MODE" | "KEFU_DYNAMODB_ENDPOINT" | "KEFU_AWS_ENDPOINT">;

function base(config: Endpoints, endpoint: string | undefined) {
  return {
    region: config.AWS_REGION,
    ...(endpoint ? { endpoint } : {}),
    ...(config.KEFU_MODE === "local"
      ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
  };
}

export function documentClient(config: Endpoints): DynamoDBDocumentClient {
  const client = new DynamoDBClient(base(config, config.KEFU_DYNAMODB_ENDPOINT));
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function sqsClient(config: Endpoints): SQSClient {
  return new SQSClient(base(config, config.KEFU_AWS_ENDPOINT));
}

export function s3Client(config: Endpoints): S3Client {
  return new S3Client({
    ...base(config, config.KEFU_AWS_ENDPOINT),
    forcePathStyle: !!config.KEFU_AWS_ENDPOINT,
  });
}

export function snsClient(config: Endpoints): SNSClient {
  return new SNSClient(base(config, config.KEFU_AWS_ENDPOINT));
}

export function secretsClient(config: Endpoints): SecretsManagerClient {
  return new SecretsManagerClient(base(config, undefined));
}
