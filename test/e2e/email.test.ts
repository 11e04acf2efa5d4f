import { readFileSync } from "node:fs";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { s3Client } from "../../local/emulators";
import { LOCAL_EMAIL_TOPIC_ARN, sesDelivery, sesNotification, simpleMail } from "../../local/platforms/email";
import type { PlatformRequest } from "../../local/platforms/wechat";
import { LOCAL_SNS_CERT_PATH, signSnsNotification } from "../../local/simulator/sns-signer";
import { sharedDataPath } from "../support/shared-data";
import { useTestStack } from "../support/stack";
import { settle, waitFor } from "../support/wait";

/**
 * E-mail end to end: a raw message wrapped as SES publishes it and signed as SNS does (local-only
 * certificate, served by the stack) → the webhook → dedup → queue → worker → SESv2 simulator outbox.
 */
const US = "support@kefu.example";
const kefu = useTestStack("email");

async function post(request: PlatformRequest): Promise<Response> {
  return fetch(`${kefu.stack.url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
}

const repliesTo = (address: string) =>
  kefu.stack.outbox.entries.filter((e) => e.channel === "email" && e.to === address);

describe("a customer e-mail", () => {
  it("is answered exactly once, even when SNS delivers the notification again", async () => {
    // A real Gmail reply from the shared dev set (mailgun/talon's fixture).
    const raw = readFileSync(sharedDataPath("dev", "emails", "talon_reply_gmail.eml"));
    const customer = "xxx@gmail.com";
    const request = await sesDelivery({ raw, baseUrl: kefu.stack.url, recipient: US });

    const first = await post(request);
    expect(first.status).toBe(200);
    await waitFor(() => repliesTo(customer).length > 0, { what: "the e-mail reply" });

    const again = await post(request);
    expect(again.status).toBe(200);
    await settle(1500);
    expect(repliesTo(customer)).toHaveLength(1);
    expect(kefu.stack.inbox.filter((m) => m.channel === "email" && m.sender === customer)).toHaveLength(1);
  });

  it("answers a question from the FAQ in the plain-text part", async () => {
    const customer = `faq-${process.pid}@customer.example`;
    const raw = simpleMail({
      from: customer,
      to: US,
      subject: "退货",
      text: "怎么申请退货？\n\n发自我的iPhone",
    });
    expect((await post(await sesDelivery({ raw, baseUrl: kefu.stack.url, recipient: US }))).status).toBe(200);
    const [reply] = await waitFor(() => repliesTo(customer).length > 0 && repliesTo(customer), {
      what: "the reply",
    });
    expect(reply?.text).toContain("申请售后");
    expect(reply?.text).not.toContain("**");
  });

  it("reads a message over 150 KB from the bucket (SES S3 action)", async () => {
    const customer = `big-${process.pid}@customer.example`;
    const padding = Array.from(
      { length: 3000 },
      (_, i) => `> quoted history line ${i} ${"·".repeat(40)}`,
    ).join("\n");
    const raw = simpleMail({ from: customer, to: US, subject: "发票", text: `发票怎么开？\n\n${padding}` });
    expect(raw.length).toBeGreaterThan(150 * 1024);
    const s3 = s3Client(kefu.stack.env.KEFU_AWS_ENDPOINT ?? "");
    const request = await sesDelivery({
      raw,
      baseUrl: kefu.stack.url,
      recipient: US,
      bucket: kefu.stack.env.KEFU_FAQ_BUCKET ?? "",
      putObject: async (bucket, key, bytes) => {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
      },
    });
    expect(JSON.parse(JSON.parse(request.body).Message).receipt.action.type).toBe("S3");
    expect((await post(request)).status).toBe(200);
    await waitFor(() => repliesTo(customer).length > 0, { what: "the reply to the large mail" });
    expect(kefu.stack.inbox.find((m) => m.sender === customer)?.text).toBe("发票怎么开？");
  });

  it("does not answer a forged sender (SPF, DKIM and DMARC all FAIL): no reply, no ticket, nothing queued", async () => {
    const victim = `victim-${process.pid}@bank.example`;
    const raw = simpleMail({ from: victim, to: US, subject: "退货", text: "怎么申请退货？" });
    const notification = JSON.parse(await sesNotification({ raw, baseUrl: kefu.stack.url, recipient: US }));
    Object.assign(notification.receipt, {
      spfVerdict: { status: "FAIL" },
      dkimVerdict: { status: "FAIL" },
      dmarcVerdict: { status: "FAIL" },
      dmarcPolicy: "reject",
    });
    const body = signSnsNotification({
      topicArn: LOCAL_EMAIL_TOPIC_ARN,
      message: JSON.stringify(notification),
      certUrl: `${kefu.stack.url}${LOCAL_SNS_CERT_PATH}`,
    });
    const response = await post({ method: "POST", path: "/webhooks/email", headers: {}, body });
    // Acknowledged, or SNS would deliver it again for an hour.
    expect(response.status).toBe(200);
    await settle(1500);
    expect(repliesTo(victim)).toEqual([]);
    expect(kefu.stack.inbox.filter((m) => m.sender === victim)).toEqual([]);
    const tickets = (await (await fetch(`${kefu.stack.url}/dev/tickets`)).json()) as { customerId: string }[];
    expect(tickets.filter((t) => t.customerId === victim)).toEqual([]);
  });

  it("ignores an auto-reply and refuses an unsigned notification", async () => {
    const raw = readFileSync(new URL("../fixtures/email/auto-reply.eml", import.meta.url));
    expect((await post(await sesDelivery({ raw, baseUrl: kefu.stack.url, recipient: US }))).status).toBe(200);
    const forged = await sesDelivery({
      raw: simpleMail({ from: "f@customer.example", to: US, subject: "x", text: "x" }),
      baseUrl: kefu.stack.url,
      recipient: US,
    });
    const json = JSON.parse(forged.body);
    json.Signature = Buffer.from("forged").toString("base64");
    expect((await post({ ...forged, body: JSON.stringify(json) })).status).toBe(401);
    await settle(1000);
    expect(repliesTo("bob@customer.example")).toHaveLength(0);
    expect(repliesTo("f@customer.example")).toHaveLength(0);
  });
});
