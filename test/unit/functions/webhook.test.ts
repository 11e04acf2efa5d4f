import { createHash } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeHandler } from "../../../functions/webhook/handler";
import { wireWebhook } from "../../../functions/webhook/wiring";
import { lambdaContext } from "../../../local/event-source";
import { LOCAL_EMAIL_TOPIC_ARN, sesDelivery, simpleMail } from "../../../local/platforms/email";
import { newMsgId, wechatPush } from "../../../local/platforms/wechat";
import type { WeChatCredentials } from "../../../shared/channels/wechat/credentials";
import { wechatModule } from "../../../shared/channels/wechat/module";
import { loadWebhookConfig } from "../../../shared/config/load";
import { fakeAwsFetch } from "../../support/fakes";
import { ingressLambdaHarness, webhookEvent } from "../../support/lambda-harness";

/**
 * The webhook Lambda handler itself (functions/webhook), wired from its configuration as its Lambda entry
 * wires it, with AWS faked at the `fetch` its signed clients use (it has no SDK client to mock): what it
 * enqueues and what it logs. Local mode, so the channels run on their demo credentials.
 */

const { logged, env } = ingressLambdaHarness();
const aws = fakeAwsFetch();
beforeEach(() => aws.reset());
const wechat = wechatModule.demoCredentials as WeChatCredentials;

let webhook: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  const handler = makeHandler(wireWebhook(loadWebhookConfig(env), { fetch: aws.fetch }));
  webhook = (event) => handler(event, lambdaContext("webhook", 3_000));
});

const push = (text: string, msgId = newMsgId()) =>
  webhookEvent(wechatPush(wechat, { openId: "o-customer-1", text, msgId }));

describe("what the webhook stores", () => {
  it("acknowledges a WeChat push after one network call, the signed SendMessage, with the message's key as its deduplication id", async () => {
    const msgId = "7000000000000001";
    const result = await webhook(push("怎么退货？", msgId));
    expect(result.statusCode).toBe(200);
    // No claim before the enqueue, no mark after it: DynamoDB is not on WeChat's ack path.
    expect(aws.calls.map((c) => c.operation)).toEqual(["SendMessage"]);
    const [send] = aws.calls;
    expect(send?.input).toMatchObject({
      QueueUrl: env.KEFU_QUEUE_URL,
      MessageGroupId: expect.any(String),
      MessageDeduplicationId: createHash("sha256").update(`wechat#${msgId}`).digest("hex"),
    });
    expect(JSON.parse(String(send?.input.MessageBody))).toMatchObject({
      channel: "wechat",
      text: "怎么退货？",
    });
    expect(send?.headers.get("authorization")).toMatch(/^AWS4-HMAC-SHA256 Credential=local\//);
  });

  it("logs with the Lambda context, as injectLambdaContext did, never the text", async () => {
    await webhook(push("我的手机号是13800138000"));
    const [entry] = logged.filter((l) => l.entry.message === "webhook message");
    expect(entry?.entry).toMatchObject({
      function_name: "webhook",
      function_request_id: expect.any(String),
      cold_start: expect.any(Boolean),
      channel: "wechat",
      result: "enqueued",
    });
    expect(JSON.stringify(logged)).not.toMatch(/13800138000|手机号/);
  });
});

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
        webhookEvent({
          method: "POST",
          path: `/webhooks/${channel}`,
          headers: {},
          body: JSON.stringify(publish),
        }),
      );
      expect(result.statusCode).toBe(404);
    }
    expect(aws.callsOf("SendMessage")).toHaveLength(0);
  });
});

describe("methods a channel does not take", () => {
  it("answers 405 with the methods it does take (Allow), not 400 malformed_request, before any signature", async () => {
    const put = { ...push("hello"), requestContext: { http: { method: "PUT" }, timeEpoch: Date.now() } };
    const refused = await webhook(put as unknown as APIGatewayProxyEventV2);
    expect(refused.statusCode).toBe(405);
    expect(refused.headers).toMatchObject({ allow: "GET, POST" });
    expect(JSON.parse(String(refused.body))).toMatchObject({ error: "method_not_allowed" });

    // WeCom's callback, unsigned; DingTalk and Twilio take only POST.
    for (const [channel, method, allow] of [
      ["wecom", "DELETE", "GET, POST"],
      ["dingtalk", "GET", "POST"],
      ["twilio", "GET", "POST"],
    ] as const) {
      const event = webhookEvent({ method, path: `/webhooks/${channel}`, headers: {}, body: "" });
      const result = await webhook(event);
      expect([channel, result.statusCode, result.headers?.allow]).toEqual([channel, 405, allow]);
    }
    expect(aws.callsOf("SendMessage")).toHaveLength(0);
  });
});

describe("webhook handler logging", () => {
  it("logs a refused request as WARN with its code and a fault as ERROR with its cause", async () => {
    const forged = push("hello");
    forged.rawQueryString = forged.rawQueryString.replace(/msg_signature=[^&]+/, "msg_signature=00");
    forged.queryStringParameters = Object.fromEntries(new URLSearchParams(forged.rawQueryString));
    expect((await webhook(forged)).statusCode).toBe(401);
    expect(logged.map((l) => [l.level, l.entry.message, l.entry.code])).toEqual([
      ["warn", "webhook rejected", "bad_signature"],
    ]);

    logged.length = 0;
    aws.answer("SendMessage", { status: 500, body: { __type: "com.amazonaws.sqs#InternalError" } });
    expect((await webhook(push("hello"))).statusCode).toBe(503);
    expect(aws.callsOf("SendMessage")).toHaveLength(3);
    const [failed, ...rest] = logged;
    expect(rest).toEqual([]);
    expect(failed?.level).toBe("error");
    expect(failed?.entry).toMatchObject({ message: "webhook failed", code: "enqueue_failed", status: 503 });
    expect(JSON.stringify(failed?.entry)).toContain("InternalError");
  });
});
