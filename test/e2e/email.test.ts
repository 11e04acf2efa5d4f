import { readFileSync } from "node:fs";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { s3Client } from "../../local/emulators";
import { LOCAL_EMAIL_TOPIC_ARN, sesDelivery, sesNotification, simpleMail } from "../../local/platforms/email";
import { snsPublish } from "../../local/platforms/sns";
import { sharedDataPath } from "../support/shared-data";
import { useTestStack } from "../support/stack";
import { settle, waitFor } from "../support/wait";

/**
 * E-mail end to end: a raw message wrapped as SES publishes it to the e-mail topic of the local SNS → the
 * SNS ingress, invoked with the event Lambda gets from SNS → the FIFO queue (deduplicating) → worker → SESv2 simulator
 * outbox.
 */
const US = "support@kefu.example";
const kefu = useTestStack("email");

const post = kefu.deliver;

const repliesTo = (address: string) => kefu.repliesTo("email", address);

describe("a customer e-mail", () => {
  it("is answered exactly once, even when SNS delivers the notification again", async () => {
    // A real Gmail reply from the shared dev set (mailgun/talon's fixture).
    const raw = readFileSync(sharedDataPath("dev", "emails", "talon_reply_gmail.eml"));
    const customer = "xxx@gmail.com";
    const request = await sesDelivery({ raw, recipient: US });

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
    expect((await post(await sesDelivery({ raw, recipient: US }))).status).toBe(200);
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
    const notification = JSON.parse(await sesNotification({ raw, recipient: US }));
    Object.assign(notification.receipt, {
      spfVerdict: { status: "FAIL" },
      dkimVerdict: { status: "FAIL" },
      dmarcVerdict: { status: "FAIL" },
      dmarcPolicy: "reject",
    });
    const response = await post(
      snsPublish({ TopicArn: LOCAL_EMAIL_TOPIC_ARN, Message: JSON.stringify(notification) }),
    );
    expect(response.status).toBe(200);
    await settle(1500);
    expect(repliesTo(victim)).toEqual([]);
    expect(kefu.stack.inbox.filter((m) => m.sender === victim)).toEqual([]);
    const tickets = (await (await fetch(`${kefu.stack.url}/dev/tickets`)).json()) as { customerId: string }[];
    expect(tickets.filter((t) => t.customerId === victim)).toEqual([]);
  });

  it("ignores an auto-reply and SES's setup notification, and keeps another notification type in the failures", async () => {
    const raw = readFileSync(new URL("../fixtures/email/auto-reply.eml", import.meta.url));
    expect((await post(await sesDelivery({ raw, recipient: US }))).status).toBe(200);
    const setup = JSON.stringify({ notificationType: "AmazonSnsSubscriptionSucceeded" });
    expect((await post(snsPublish({ TopicArn: LOCAL_EMAIL_TOPIC_ARN, Message: setup }))).status).toBe(200);
    // A bounce topic wired to the receiving function: refused, retried, then kept for an operator.
    const bounce = JSON.stringify({ notificationType: "Bounce", bounce: {} });
    const response = await post(snsPublish({ TopicArn: LOCAL_EMAIL_TOPIC_ARN, Message: bounce }));
    const { MessageId } = (await response.json()) as { MessageId: string };
    const [failure] = await waitFor(
      async () => {
        const all = (await (await fetch(`${kefu.stack.url}/dev/sns-failures`)).json()) as {
          messageId: string;
        }[];
        const ours = all.filter((f) => f.messageId === MessageId);
        return ours.length > 0 && ours;
      },
      { what: "the failed notification", timeoutMs: 20_000 },
    );
    expect(failure).toMatchObject({ attempts: 3, error: "unexpected_notification" });
    await settle(500);
    expect(repliesTo("bob@customer.example")).toHaveLength(0);
  });
});
