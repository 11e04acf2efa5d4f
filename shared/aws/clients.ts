import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { RuntimeSettings } from "../config/fragments";

/**
 * AWS clients, made once per cold start by each function's wiring and passed in. In local mode they
 * point at the emulators of the embedded stack, with dummy credentials (real ones must never reach them).
 *
 * The clients every function needs are here; S3, SNS and Bedrock are made next to their one adapter
 * (s3-blobs.ts, notify.ts, bedrock.ts). Importing an SDK client bundles it whether it is used or not,
 * so a module that names a client is a module the webhook must not import.
 */
export type Endpoints = Pick<RuntimeSettings, "mode" | "region" | "endpoints">;

/** A client's region, endpoint override and, locally, dummy credentials. */
export function clientOptions(runtime: Endpoints, endpoint: string | undefined) {
  return {
    region: runtime.region,
    ...(endpoint ? { endpoint } : {}),
    ...(runtime.mode === "local" ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  };
}

export function documentClient(runtime: Endpoints): DynamoDBDocumentClient {
  const client = new DynamoDBClient(clientOptions(runtime, runtime.endpoints.dynamodb));
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function sqsClient(runtime: Endpoints): SQSClient {
  return new SQSClient(clientOptions(runtime, runtime.endpoints.aws));
}

export function secretsClient(runtime: Endpoints): SecretsManagerClient {
  return new SecretsManagerClient(clientOptions(runtime, undefined));
}
