import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { RuntimeSettings } from "../config/fragments";

/**
 * AWS clients, made once per cold start by each function's wiring and passed in. In local mode they
 * point at the emulators of the embedded stack, with dummy credentials (real ones must never reach them).
 */
type Endpoints = Pick<RuntimeSettings, "mode" | "region" | "endpoints">;

function base(runtime: Endpoints, endpoint: string | undefined) {
  return {
    region: runtime.region,
    ...(endpoint ? { endpoint } : {}),
    ...(runtime.mode === "local" ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  };
}

export function documentClient(runtime: Endpoints): DynamoDBDocumentClient {
  const client = new DynamoDBClient(base(runtime, runtime.endpoints.dynamodb));
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function sqsClient(runtime: Endpoints): SQSClient {
  return new SQSClient(base(runtime, runtime.endpoints.aws));
}

export function s3Client(runtime: Endpoints): S3Client {
  return new S3Client({ ...base(runtime, runtime.endpoints.aws), forcePathStyle: !!runtime.endpoints.aws });
}

export function snsClient(runtime: Endpoints): SNSClient {
  return new SNSClient(base(runtime, runtime.endpoints.aws));
}

export function secretsClient(runtime: Endpoints): SecretsManagerClient {
  return new SecretsManagerClient(base(runtime, undefined));
}

/** The adapters retry with their own budgets; SDK retries on top would multiply the wait. */
export function bedrockClient(runtime: Pick<RuntimeSettings, "region">): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ region: runtime.region, maxAttempts: 1 });
}
