import { describe, expect, it } from "vitest";
import {
  AwsServiceError,
  AwsUnreachableError,
  awsJsonClient,
  regionalEndpoint,
} from "../../../../shared/aws/fetch/aws-json";
import { SQS } from "../../../../shared/aws/fetch/sqs";
import { describeFailure } from "../../../../shared/core/failure";
import { fakeAwsFetch } from "../../../support/fakes";

/**
 * The signed-fetch client of the webhook's AWS calls, against a fake `fetch` (aws-sdk-client-mock only
 * patches SDK clients): the request AWS gets, the SDK's retry, and errors shaped as the SDK's.
 */

const credentials = () => ({
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "secret",
  sessionToken: "session",
});

function client(aws: ReturnType<typeof fakeAwsFetch>, extra: { timeoutMs?: number } = {}) {
  const sleeps: number[] = [];
  const call = awsJsonClient(SQS, {
    region: "cn-north-1",
    credentials,
    fetch: aws.fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
  return { call, sleeps };
}

describe("the signed AWS JSON-protocol request", () => {
  it("posts the input as JSON to the regional endpoint with the target, the content type and a SigV4 signature", async () => {
    const aws = fakeAwsFetch();
    aws.answer("SendMessage", { status: 200, body: { MessageId: "m-1" } });
    const { call } = client(aws);
    const answer = await call("SendMessage", { QueueUrl: "q", MessageBody: "hi" });
    expect(answer).toEqual({ MessageId: "m-1" });
    const [request] = aws.calls;
    expect(request?.url).toBe("https://sqs.cn-north-1.amazonaws.com.cn");
    expect(request?.input).toEqual({ QueueUrl: "q", MessageBody: "hi" });
    expect(request?.headers.get("x-amz-target")).toBe("AmazonSQS.SendMessage");
    expect(request?.headers.get("content-type")).toBe("application/x-amz-json-1.0");
    expect(request?.headers.get("x-amz-security-token")).toBe("session");
    expect(request?.headers.get("x-amz-date")).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request?.headers.get("authorization")).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/cn-north-1\/sqs\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/,
    );
  });

  it("names AWS's endpoints by partition, and takes an override (the local emulators)", async () => {
    expect(regionalEndpoint("dynamodb", "us-west-2")).toBe("https://dynamodb.us-west-2.amazonaws.com");
    expect(regionalEndpoint("secretsmanager", "cn-northwest-1")).toBe(
      "https://secretsmanager.cn-northwest-1.amazonaws.com.cn",
    );
    const aws = fakeAwsFetch();
    await awsJsonClient(SQS, {
      region: "us-east-1",
      endpoint: "http://127.0.0.1:4566",
      credentials,
      fetch: aws.fetch,
    })("SendMessage", {});
    expect(aws.calls[0]?.url).toBe("http://127.0.0.1:4566");
  });
});

describe("errors and retries, as the SDK's standard retry", () => {
  it("retries throttling and server errors under one invocation id, three attempts, then throws the SDK-shaped error", async () => {
    const aws = fakeAwsFetch();
    aws.answer("SendMessage", {
      status: 400,
      headers: { "x-amzn-query-error": "AWS.SimpleQueueService.RequestThrottled;Sender" },
      body: { __type: "com.amazonaws.sqs#AWS.SimpleQueueService.RequestThrottled", message: "slow down" },
    });
    const { call, sleeps } = client(aws);
    const error = await call("SendMessage", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({
      name: "RequestThrottled",
      $metadata: { httpStatusCode: 400 },
      $retryable: { throttling: true },
    });
    expect(describeFailure(error)).toMatchObject({ code: "RequestThrottled", status: 400 });
    expect(aws.calls).toHaveLength(3);
    expect(new Set(aws.calls.map((c) => c.headers.get("amz-sdk-invocation-id"))).size).toBe(1);
    expect(aws.calls.map((c) => c.headers.get("amz-sdk-request"))).toEqual([
      "attempt=1; max=3",
      "attempt=2; max=3",
      "attempt=3; max=3",
    ]);
    expect(sleeps).toHaveLength(2);
  });

  it("succeeds on the attempt after a 500, a dropped connection or a lost answer", async () => {
    for (const first of [
      { status: 500, body: { __type: "com.amazonaws.sqs#InternalError" } },
      { throws: new TypeError("fetch failed", { cause: new Error("ECONNRESET") }) },
    ]) {
      const aws = fakeAwsFetch();
      let n = 0;
      aws.answer("SendMessage", () => (n++ === 0 ? first : { status: 200, body: { MessageId: "m-2" } }));
      const { call } = client(aws);
      expect(await call("SendMessage", {})).toEqual({ MessageId: "m-2" });
      expect(aws.calls).toHaveLength(2);
    }
  });

  it("gives up on an attempt that is not answered within its timeout, and retries it", async () => {
    const aws = fakeAwsFetch();
    let n = 0;
    const hanging = (async (_url: string, init?: RequestInit) => {
      if (n++ === 0) {
        return new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        });
      }
      return aws.fetch(_url, init);
    }) as typeof fetch;
    const call = awsJsonClient(SQS, { region: "us-east-1", credentials, fetch: hanging, timeoutMs: 20 });
    expect(await call("SendMessage", {})).toEqual({});
    expect(n).toBe(2);
  });

  it("throws a client error at once, with its type, its status and its body (DynamoDB's failed-condition item)", async () => {
    const aws = fakeAwsFetch();
    aws.answer("PutItem", {
      status: 400,
      body: {
        __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
        message: "The conditional request failed",
        Item: { state: { S: "enqueued" } },
      },
    });
    const { call } = client(aws);
    const error = await call("PutItem", {}).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "ConditionalCheckFailedException",
      code: "ConditionalCheckFailedException",
      $fault: "client",
      body: { Item: { state: { S: "enqueued" } } },
    });
    expect((error as AwsServiceError).$retryable).toBeUndefined();
    // AWS's message can quote the rejected values: it stays out of the error's message.
    expect((error as Error).message).not.toContain("conditional request failed");
    expect(aws.calls).toHaveLength(1);
  });

  it("names a failure without an answer AwsUnreachableError, with what happened as its cause", async () => {
    const aws = fakeAwsFetch();
    aws.answer("GetItem", { throws: new TypeError("fetch failed") });
    const { call } = client(aws);
    const error = await call("GetItem", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsUnreachableError);
    expect(describeFailure(error)).toMatchObject({ code: "aws_unreachable", cause: "TypeError" });
    expect(aws.calls).toHaveLength(3);
  });

  it("reads the credentials at each call (a role's rotated credentials are used at once)", async () => {
    const aws = fakeAwsFetch();
    let key = "AKIDFIRST";
    const call = awsJsonClient(SQS, {
      region: "us-east-1",
      credentials: () => ({ accessKeyId: key, secretAccessKey: "s" }),
      fetch: aws.fetch,
    });
    await call("SendMessage", {});
    key = "AKIDSECOND";
    await call("SendMessage", {});
    expect(aws.calls.map((c) => c.headers.get("authorization")?.match(/Credential=(\w+)/)?.[1])).toEqual([
      "AKIDFIRST",
      "AKIDSECOND",
    ]);
  });
});
