import { randomUUID } from "node:crypto";
import { AwsV4Signer } from "aws4fetch";
import type { AwsCredentials } from "../../config/aws-credentials";

/**
 * A call to an AWS service that speaks the JSON protocol (SQS, DynamoDB, Secrets Manager), over `fetch`
 * and signed with SigV4 by aws4fetch: what the webhook needs of AWS without the SDK v3, whose clients
 * cost most of its cold start (README, "Benchmarks", issue 10).
 *
 * It behaves as the SDK's clients do where the ingress path depends on it: the SDK's standard retry
 * (three attempts; throttling, 5xx, timeouts and dropped connections retried after a jittered backoff,
 * all attempts under one `amz-sdk-invocation-id`), and errors shaped as the SDK's (`name` the service's
 * error type, `$metadata.httpStatusCode`, `$retryable`), so describeFailure logs the same codes. Unlike
 * the SDK's Node handler, every attempt has a timeout: an answer that never comes is retried, and the
 * caller fails in time for the platform to deliver again (the FIFO deduplication id and the dedup claim
 * make a retried write harmless).
 *
 * aws-sdk-client-mock cannot mock this (it patches SDK clients' `send`): unit tests pass a fake `fetch`.
 */
export interface AwsJsonService {
  /** The signing name and the endpoint's host prefix: `sqs`, `dynamodb`, `secretsmanager`. */
  service: string;
  /** The `X-Amz-Target` prefix: `AmazonSQS`, `DynamoDB_20120810`, `secretsmanager`. */
  targetPrefix: string;
  /** `1.0` (SQS, DynamoDB) or `1.1` (Secrets Manager). */
  jsonVersion: "1.0" | "1.1";
}

export interface AwsJsonClientOptions {
  region: string;
  /** An endpoint override (the local emulators); AWS's regional endpoint otherwise. */
  endpoint?: string;
  /** Read before each call: Lambda's role credentials are in its environment. */
  credentials: () => AwsCredentials;
  /** Per attempt. */
  timeoutMs?: number;
  maxAttempts?: number;
  fetch?: typeof fetch;
  /** Waits between attempts; tests pass one that does not. */
  sleep?: (ms: number) => Promise<void>;
}

export type AwsJsonCall = <T = Record<string, unknown>>(operation: string, input: object) => Promise<T>;

/** The SDK's standard retry: three attempts. */
const MAX_ATTEMPTS = 3;
/**
 * A call to DynamoDB, SQS or Secrets Manager takes milliseconds; an attempt not answered in 1.5 s is
 * lost, and three of them with their backoff stay near the 5 s a platform waits for an acknowledgement.
 */
const ATTEMPT_TIMEOUT_MS = 1_500;
const DELAY_BASE_MS = 100;
const THROTTLING_DELAY_BASE_MS = 500;
/** The longest wait between attempts: the backoff must not eat the platform's deadline. */
const MAX_DELAY_MS = 1_000;

/** The error types the SDK retries as throttling (@smithy/core's THROTTLING_ERROR_CODES). */
const THROTTLING = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
]);
const TRANSIENT = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);

/**
 * An AWS service answered with an error, as the SDK would throw it: `name` is the error type
 * (`ConditionalCheckFailedException`, `ThrottlingException`…), `$retryable` set when it was retried.
 * `body` is the error's other fields (DynamoDB returns the item that failed a condition there); the
 * service's message stays out of `message`, since some quote the values they reject.
 */
export class AwsServiceError extends Error {
  readonly code: string;
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  readonly $fault: "client" | "server";
  readonly $retryable?: { throttling: boolean };
  readonly body: Record<string, unknown>;

  constructor(type: string, status: number, body: Record<string, unknown>, requestId?: string) {
    super(`${type} (HTTP ${status})`);
    this.name = type;
    this.code = type;
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
    this.$fault = status >= 500 ? "server" : "client";
    const throttling = THROTTLING.has(type) || status === 429;
    if (throttling || TRANSIENT.has(type) || TRANSIENT_STATUS.has(status)) this.$retryable = { throttling };
    this.body = body;
  }
}

/** No answer from AWS: the connection failed or dropped, or the attempt timed out. Retried. */
export class AwsUnreachableError extends Error {
  readonly code = "aws_unreachable";
  readonly $retryable = { throttling: false };
  constructor(operation: string, cause: unknown) {
    super(`no answer to ${operation}`, { cause });
    this.name = "AwsUnreachableError";
  }
}

/** The regional endpoint of a service, in AWS's China partition for the `cn-` regions. */
export function regionalEndpoint(service: string, region: string): string {
  return `https://${service}.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

export function awsJsonClient(service: AwsJsonService, options: AwsJsonClientOptions): AwsJsonCall {
  const url = options.endpoint ?? regionalEndpoint(service.service, options.region);
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
  const timeoutMs = options.timeoutMs ?? ATTEMPT_TIMEOUT_MS;

  async function attempt(operation: string, body: string, invocationId: string, n: number) {
    const credentials = options.credentials();
    const { headers } = await new AwsV4Signer({
      url,
      method: "POST",
      headers: {
        "content-type": `application/x-amz-json-${service.jsonVersion}`,
        "x-amz-target": `${service.targetPrefix}.${operation}`,
        "amz-sdk-invocation-id": invocationId,
        "amz-sdk-request": `attempt=${n}; max=${maxAttempts}`,
      },
      body,
      service: service.service,
      region: options.region,
      ...credentials,
    }).sign();
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      throw new AwsUnreachableError(operation, cause);
    }
    const json = parseBody(text);
    if (response.ok) return json;
    throw new AwsServiceError(
      errorType(response.headers, json, response.status),
      response.status,
      json,
      response.headers.get("x-amzn-requestid") ?? undefined,
    );
  }

  return async function call<T>(operation: string, input: object): Promise<T> {
    const body = JSON.stringify(input);
    const invocationId = randomUUID();
    for (let n = 1; ; n++) {
      try {
        return (await attempt(operation, body, invocationId, n)) as T;
      } catch (error) {
        const retryable = (error as Partial<AwsServiceError>).$retryable;
        if (!retryable || n >= maxAttempts) throw error;
        const base = retryable.throttling ? THROTTLING_DELAY_BASE_MS : DELAY_BASE_MS;
        await sleep(Math.floor(Math.random() * Math.min(MAX_DELAY_MS, base * 2 ** n)));
      }
    }
  };
}

function parseBody(text: string): Record<string, unknown> {
  if (!text) return {};
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === "object" && json !== null ? (json as Record<string, unknown>) : {};
  } catch {
    // A proxy's HTML error page: the status says what happened.
    return {};
  }
}

/**
 * The error's type as the SDK names it: the JSON body's `__type`, else SQS's query-compatible code
 * (`x-amzn-query-error`), the body's `code` or the `x-amzn-errortype` header, without its namespace
 * (`com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException`) or SQS's `AWS.SimpleQueueService.`.
 */
function errorType(headers: Headers, body: Record<string, unknown>, status: number): string {
  const raw =
    (typeof body.__type === "string" ? body.__type : undefined) ??
    headers.get("x-amzn-query-error")?.split(";")[0] ??
    (typeof body.code === "string" ? body.code : undefined) ??
    headers.get("x-amzn-errortype") ??
    `Http${status}`;
  return (
    raw
      .split(":")[0]
      ?.split("#")
      .pop()
      ?.replace(/^AWS\.SimpleQueueService\./, "") || `Http${status}`
  );
}
