import { S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, vi } from "vitest";
import { FAQ_BUCKET, INBOUND_QUEUE, TABLES } from "../../shared/resources";

export interface LoggedEntry {
  level: string;
  entry: Record<string, unknown>;
}

/**
 * What the tests of an ingress Lambda (the webhook, the SNS ingress) share: AWS mocked at the SDK
 * boundary (claims and marks succeed, SendMessage is accepted unless a test says otherwise), the
 * environment of a local-mode function, and the function's log lines collected from the console.
 * Call it at the top of a test file, before the hook that wires the handler from `env`.
 */
export function ingressLambdaHarness(extraEnv: Record<string, string> = {}) {
  const ddb = mockClient(DynamoDBDocumentClient);
  const sqs = mockClient(SQSClient);
  const s3 = mockClient(S3Client);
  const logged: LoggedEntry[] = [];
  const env: Record<string, string> = {
    ...extraEnv,
    KEFU_MODE: "local",
    AWS_REGION: "us-east-1",
    [INBOUND_QUEUE.envVar]: "http://127.0.0.1:9/000000000000/kefu-inbound.fifo",
    [FAQ_BUCKET.envVar]: "kefu-faq",
    // The global console, which the tests can watch, instead of Powertools' own stdout writer.
    POWERTOOLS_DEV: "true",
    POWERTOOLS_LOG_LEVEL: "DEBUG",
    POWERTOOLS_METRICS_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...Object.fromEntries(Object.values(TABLES).map((table) => [table.envVar, `kefu-${table.id}`])),
  };

  beforeAll(() => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    for (const level of ["debug", "info", "warn", "error"] as const) {
      vi.spyOn(console, level).mockImplementation((...line: unknown[]) => {
        logged.push({ level, entry: JSON.parse(String(line[0])) as Record<string, unknown> });
      });
    }
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  beforeEach(() => {
    ddb.reset();
    sqs.reset();
    s3.reset();
    logged.length = 0;
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: "m-1" });
  });

  return { ddb, sqs, s3, logged, env };
}

/** The API Gateway (HTTP API, payload 2.0) event of a platform's request to `/webhooks/{channel}`. */
export function webhookEvent(request: {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}): APIGatewayProxyEventV2 {
  const [rawPath = "", rawQueryString = ""] = request.path.split("?");
  return {
    version: "2.0",
    routeKey: "ANY /webhooks/{channel}",
    rawPath,
    rawQueryString,
    headers: request.headers,
    queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)),
    pathParameters: { channel: rawPath.split("/").pop() ?? "" },
    body: request.body,
    isBase64Encoded: false,
    requestContext: { http: { method: request.method }, timeEpoch: Date.now() },
  } as unknown as APIGatewayProxyEventV2;
}
