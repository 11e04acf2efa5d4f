import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { makeHandler } from "../../../functions/webhook/handler";
import { wireWebhook } from "../../../functions/webhook/wiring";
import { lambdaContext } from "../../../local/event-source";
import { LOCAL_EMAIL_TOPIC_ARN, sesNotification, simpleMail } from "../../../local/platforms/email";
import { newMsgId, wechatPush } from "../../../local/platforms/wechat";
import {
  LOCAL_SNS_CERT_PATH,
  localSnsCertificatePem,
  signSnsNotification,
} from "../../../local/simulator/sns-signer";
import type { WeChatCredentials } from "../../../shared/channels/wechat/credentials";
import { wechatModule } from "../../../shared/channels/wechat/module";
import { loadWebhookConfig } from "../../../shared/config/load";
import { MESSAGE_LIMITS, QueuedMessageSchema } from "../../../shared/core/message";
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
  // Local mode trusts the simulator's certificate, fetched from the loopback URL SNS messages name.
  vi.stubGlobal("fetch", async (url: string) =>
    String(url).endsWith(LOCAL_SNS_CERT_PATH)
      ? new Response(localSnsCertificatePem())
      : new Response("not found", { status: 404 }),
  );
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

/**
 * An SES receipt notification for one mail, with the given receipt fields, signed as SNS would. Mail
 * over 150 KB goes by the S3 action, whose object the mocked S3 serves.
 */
async function mail(raw: string, receipt: Record<string, unknown> = {}) {
  const baseUrl = "http://127.0.0.1:3000";
  const notification = JSON.parse(
    await sesNotification({
      raw,
      baseUrl,
      recipient: "support@kefu.example",
      bucket: "inbound-mail",
      putObject: async (_bucket, _key, bytes) => {
        s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => bytes } as never });
      },
    }),
  );
  // SES lists the headers in the notification only up to 10 KB.
  if (JSON.stringify(notification.mail.headers).length > 10_240) {
    Object.assign(notification.mail, { headers: [], commonHeaders: {}, headersTruncated: true });
  }
  Object.assign(notification.receipt, receipt);
  const body = signSnsNotification({
    topicArn: LOCAL_EMAIL_TOPIC_ARN,
    message: JSON.stringify(notification),
    certUrl: `${baseUrl}${LOCAL_SNS_CERT_PATH}`,
  });
  return event({ method: "POST", path: "/webhooks/email", headers: {}, body });
}

/** A mail with the given extra header lines and plain-text body, as a client would send it. */
const rawMail = (headers: string, body = "Where is my refund?") =>
  `From: Li Hua <li.hua@customer.example>\r\nTo: support@kefu.example\r\n${headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`;

const queueBodies = () =>
  sqs.commandCalls(SendMessageCommand).map((c) => String(c.args[0].input.MessageBody));

describe("what the webhook puts on the queue", () => {
  it.each([
    [
      "a subject of 130 000 control characters (was a 792 KB queue body)",
      rawMail(`Subject: ${"\x01\x02".repeat(65_000)}\r\nMessage-ID: <a@c.example>\r\n`),
    ],
    [
      "a Message-ID of 130 000 characters (was 390 KB)",
      rawMail(`Subject: x\r\nMessage-ID: <${"y".repeat(130_000)}@c.example>\r\n`),
    ],
    [
      "3000 References",
      rawMail(
        `Subject: x\r\nMessage-ID: <m@c.example>\r\nReferences: ${Array.from({ length: 3000 }, (_, i) => `<r${i}-${"x".repeat(30)}@c.example>`).join("\r\n ")}\r\n`,
      ),
    ],
    [
      "a display name of 100 000 characters",
      rawMail("Subject: x\r\n").replace("Li Hua", "n".repeat(100_000)),
    ],
    ["a body of 46 000 characters", rawMail("Subject: x\r\n", "请问".repeat(23_000))],
    [
      "a 333 KB mail through the S3 action (was a 1.2 MB queue body)",
      rawMail(
        `Subject: ${"\x01\x02".repeat(100_000)}\r\nMessage-ID: <${"y".repeat(100_000)}@c.example>\r\n`,
        "x".repeat(30_000),
      ),
    ],
  ])("keeps every field within its limit for %s", async (_label, raw) => {
    expect((await webhook(await mail(raw))).statusCode).toBe(200);
    const [body, ...more] = queueBodies();
    expect(more).toEqual([]);
    expect(Buffer.byteLength(body ?? "")).toBeLessThan(24 * 1024);
    const message = QueuedMessageSchema.parse(JSON.parse(body ?? ""));
    for (const value of Object.values(message.replyContext)) {
      expect(value.length).toBeLessThanOrEqual(MESSAGE_LIMITS.replyContextValueChars);
    }
  });

  it("describes at most 20 of 300 attachments, with their names cut", async () => {
    const parts = Array.from(
      { length: 300 },
      (_, i) =>
        `--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="${i}-${"n".repeat(300)}.pdf"\r\n\r\nx\r\n`,
    ).join("");
    const raw = `From: li.hua@customer.example\r\nTo: support@kefu.example\r\nSubject: invoices\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nthe invoices\r\n${parts}--b--\r\n`;
    expect((await webhook(await mail(raw))).statusCode).toBe(200);
    const message = QueuedMessageSchema.parse(JSON.parse(queueBodies()[0] ?? ""));
    expect(message.attachments).toHaveLength(MESSAGE_LIMITS.attachments);
    expect(message.attachments[0]?.name?.endsWith("…")).toBe(true);
  });

  it("masks personal data in the text and the subject before the message leaves the webhook", async () => {
    const raw = rawMail(
      `Subject: =?UTF-8?B?${Buffer.from("退款 13812345678").toString("base64")}?=\r\n`,
      "身份证 11010519491231002X，电话 13812345678",
    );
    expect((await webhook(await mail(raw))).statusCode).toBe(200);
    const [body = ""] = queueBodies();
    expect(body).not.toMatch(/13812345678|11010519491231002X/);
    const message = QueuedMessageSchema.parse(JSON.parse(body));
    expect(message.text).toBe("身份证 110***********002X，电话 138****5678");
    expect(message.replyContext.subject).toBe("退款 138****5678");
    // The address the reply goes to is routing data, kept as it is.
    expect(message.sender.id).toBe("li.hua@customer.example");
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

  it("logs a mail refused for its unauthenticated sender as WARN with the verdicts, never the address", async () => {
    const raw = simpleMail({
      from: "ceo@bank.example",
      to: "support@kefu.example",
      subject: "x",
      text: "hi",
    });
    const forged = await mail(raw, {
      spfVerdict: { status: "FAIL" },
      dkimVerdict: { status: "GRAY" },
      dmarcVerdict: { status: "FAIL" },
      dmarcPolicy: "quarantine",
    });
    expect((await webhook(forged)).statusCode).toBe(200);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(logged.map((l) => [l.level, l.entry.message])).toEqual([["warn", "webhook refused sender"]]);
    expect(logged[0]?.entry).toMatchObject({
      channel: "email",
      code: "sender_unauthenticated",
      reason: "dmarc_fail",
      dmarc: "FAIL",
      spf: "FAIL",
      dkim: "GRAY",
      dmarcPolicy: "quarantine",
    });
    expect(JSON.stringify(logged)).not.toContain("bank.example");
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
