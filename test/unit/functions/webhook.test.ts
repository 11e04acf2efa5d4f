import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { makeHandler } from "../../../functions/webhook/handler";
import { wireWebhook } from "../../../functions/webhook/wiring";
import { lambdaContext } from "../../../local/event-source";
import { LOCAL_EMAIL_TOPIC_ARN, sesDelivery, simpleMail } from "../../../local/platforms/email";
import { newMsgId, wechatPush } from "../../../local/platforms/wechat";
import type { WeChatCredentials } from "../../../shared/channels/wechat/credentials";
import { wechatModule } from "../../../shared/channels/wechat/module";
import { loadWebhookConfig } from "../../../shared/config/load";
import { FAQ_BUCKET, INBOUND_QUEUE, TABLES } from "../../../shared/resources";

/**
 * The webhook Lambda handler itself (functions/webhook), wired from its configuration as its Lambda entry
 * wires it, with AWS mocked at the SDK boundary: what it enqueues and what it logs. Local mode, so the
 * channels run on their demo credentials.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);
const wechat = wechatModule.demoCredentials as WeChatCredentials;

let webhook: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
const logged: { level: string; entry: Record<string, unknown> }[] = [];

beforeAll(async () => {
  const env: Record<string, string> = {
    KEFU_MODE: "local",
    AWS_REGION: "us-east-1",
    [INBOUND_QUEUE.envVar]: "http://127.0.0.1:9/000000000000/kefu-inbound.fifo",
    [FAQ_BUCKET.envVar]: "kefu-faq",
    // The global console, which the tests can watch, instead of Powertools' own stdout writer.
    POWERTOOLS_DEV: "true",
    POWERTOOLS_LOG_LEVEL: "DEBUG",
    POWERTOOLS_METRICS_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  for (const table of Object.values(TABLES)) env[table.envVar] = `kefu-${table.id}`;
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  for (const level of ["debug", "info", "warn", "error"] as const) {
    vi.spyOn(console, level).mockImplementation((...line: unknown[]) => {
      logged.push({ level, entry: JSON.parse(String(line[0])) as Record<string, unknown> });
    });
  }
  const handler = makeHandler(wireWebhook(loadWebhookConfig(env)));
  webhook = (event) => handler(event, lambdaContext("webhook", 3_000));
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

function event(request: { method: string; path: string; headers: Record<string, string>; body: string }) {
  const [rawPath = "", rawQueryString = ""] = request.path.split("?");
  return {
    version: "2.0",
    routeKey: `${request.method} /webhooks/{channel}`,
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

const push = (text: string, msgId = newMsgId()) =>
  event(wechatPush(wechat, { openId: "o-customer-1", text, msgId }));

describe("channels that arrive through SNS", () => {
  it("are not served by the public webhook: e-mail and SMS come by their topics' Lambda subscriptions", async () => {
    const raw = simpleMail({
      from: "a@customer.example",
      to: "support@kefu.example",
      subject: "x",
      text: "hi",
    });
    const publish = JSON.parse((await sesDelivery({ raw, recipient: "support@kefu.example" })).body);
    expect(publish.TopicArn).toBe(LOCAL_EMAIL_TOPIC_ARN);
    for (const channel of ["email", "sms"]) {
      const result = await webhook(
        event({ method: "POST", path: `/webhooks/${channel}`, headers: {}, body: JSON.stringify(publish) }),
      );
      expect(result.statusCode).toBe(404);
    }
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});

describe("webhook handler logging", () => {
  it("logs a delivery deferred because another one is storing the same message as INFO, by code, without a stack", async () => {
    ddb.on(PutCommand).rejects(
      new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: {},
        Item: { state: { S: "received" } },
      }),
    );
    const result = await webhook(push("怎么退货？"));
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(String(result.body)).error).toBe("in_flight");
    expect(logged.filter((l) => l.level === "error" || l.level === "warn")).toEqual([]);
    const [deferred, ...others] = logged.filter((l) => l.entry.message !== "webhook message");
    expect(others).toEqual([]);
    expect(deferred?.level).toBe("info");
    expect(deferred?.entry).toMatchObject({ code: "in_flight", status: 503, channel: "wechat" });
    expect(JSON.stringify(deferred?.entry)).not.toMatch(/stack|怎么退货/);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it("logs a refused request as WARN with its code and a fault as ERROR with its cause", async () => {
    const forged = push("hello");
    forged.rawQueryString = forged.rawQueryString.replace(/msg_signature=[^&]+/, "msg_signature=00");
    forged.queryStringParameters = Object.fromEntries(new URLSearchParams(forged.rawQueryString));
    expect((await webhook(forged)).statusCode).toBe(401);
    expect(logged.map((l) => [l.level, l.entry.message, l.entry.code])).toEqual([
      ["warn", "webhook rejected", "bad_signature"],
    ]);

    logged.length = 0;
    sqs.on(SendMessageCommand).rejects(new Error("queue unavailable"));
    expect((await webhook(push("hello"))).statusCode).toBe(503);
    const [failed, ...rest] = logged;
    expect(rest).toEqual([]);
    expect(failed?.level).toBe("error");
    expect(failed?.entry).toMatchObject({ message: "webhook failed", code: "enqueue_failed", status: 503 });
    expect(JSON.stringify(failed?.entry)).toContain("queue unavailable");
  });
});
