import { randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { EmailCredentials } from "../../shared/channels/email/credentials";
import { emailModule } from "../../shared/channels/email/module";
import { credentialsFor } from "../../shared/channels/registry";
import { s3Client } from "../emulators";
import { snsPublish } from "./sns";
import type { PlatformRequest } from "./wechat";

/**
 * Plays Amazon SES + SNS: wraps a raw RFC 822 message in the receipt notification SES publishes
 * (SNS action, base64 content) or, above SNS's 150 KB, stores it in a bucket and publishes the S3
 * action's notification instead; then publishes it to the e-mail topic of the local SNS, which invokes
 * the SNS ingress as Lambda does. Used by `npm run chat -- --channel email` and the end-to-end tests.
 */

/** SES refuses to publish mail over 150 KB through SNS; larger mail goes by the S3 action. */
export const SNS_INLINE_LIMIT = 150 * 1024;
export const LOCAL_EMAIL_TOPIC_ARN = "arn:aws:sns:us-east-1:000000000000:kefu-email-inbound";

export interface SesDeliveryOptions {
  /** The raw message, as bytes or a (binary-safe latin1/ASCII or UTF-8) string. */
  raw: Uint8Array | string;
  /** Our address, the SES recipient. */
  recipient: string;
  topicArn?: string;
  /** SES's id of this delivery (kept on re-delivery). */
  sesMessageId?: string;
  /** SNS MessageId (SNS keeps it on retries). */
  snsMessageId?: string;
  /** Where large mail goes (the S3 action), and how to put it there. */
  bucket?: string;
  putObject?: (bucket: string, key: string, bytes: Uint8Array) => Promise<void>;
  spamVerdict?: "PASS" | "FAIL" | "GRAY";
  at?: Date;
}

/** The header block as SES lists it in `mail.headers`: unfolded, in order. */
function headerList(raw: Buffer): { name: string; value: string }[] {
  const text = raw.toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  const block = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, " ");
  const out: { name: string; value: string }[] = [];
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) out.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return out;
}

const addressIn = (value: string | undefined) => /<([^<>]+)>/.exec(value ?? "")?.[1] ?? value?.trim() ?? "";

/** The SES "Received" notification (the SNS Message) and, for large mail, the object to store. */
export async function sesNotification(options: SesDeliveryOptions): Promise<string> {
  const raw = typeof options.raw === "string" ? Buffer.from(options.raw, "utf8") : Buffer.from(options.raw);
  const at = options.at ?? new Date();
  const sesMessageId = options.sesMessageId ?? randomBytes(20).toString("hex").slice(0, 32);
  const topicArn = options.topicArn ?? LOCAL_EMAIL_TOPIC_ARN;
  const headers = headerList(raw);
  const header = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;
  const inline = raw.length <= SNS_INLINE_LIMIT;
  let action: Record<string, string> = { type: "SNS", topicArn, encoding: "BASE64" };
  if (!inline) {
    if (!options.bucket || !options.putObject) throw new Error("mail over 150 KB needs a bucket (S3 action)");
    const key = `inbound-mail/${sesMessageId}`;
    await options.putObject(options.bucket, key, raw);
    action = {
      type: "S3",
      topicArn,
      bucketName: options.bucket,
      objectKeyPrefix: "inbound-mail",
      objectKey: key,
    };
  }
  const verdict = { status: "PASS" };
  return JSON.stringify({
    notificationType: "Received",
    mail: {
      timestamp: at.toISOString(),
      source: addressIn(header("return-path") ?? header("from")),
      messageId: sesMessageId,
      destination: [options.recipient],
      headersTruncated: false,
      headers,
      commonHeaders: {
        returnPath: addressIn(header("return-path") ?? header("from")),
        from: [header("from") ?? ""],
        to: [header("to") ?? options.recipient],
        messageId: header("message-id") ?? "",
        subject: header("subject") ?? "",
      },
    },
    receipt: {
      timestamp: at.toISOString(),
      processingTimeMillis: 42,
      recipients: [options.recipient],
      spamVerdict: { status: options.spamVerdict ?? "PASS" },
      virusVerdict: verdict,
      spfVerdict: verdict,
      dkimVerdict: verdict,
      dmarcVerdict: verdict,
      action,
    },
    ...(inline ? { content: raw.toString("base64") } : {}),
  });
}

/** SES publishing one received mail to the e-mail topic (the local SNS's `POST /sns/publish`). */
export async function sesDelivery(options: SesDeliveryOptions): Promise<PlatformRequest> {
  return snsPublish({
    TopicArn: options.topicArn ?? LOCAL_EMAIL_TOPIC_ARN,
    Message: await sesNotification(options),
    Subject: "Amazon SES Email Receipt Notification",
    ...(options.snsMessageId ? { MessageId: options.snsMessageId } : {}),
  });
}

export interface SimpleMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
}

/** A plain UTF-8 message as a mail client would send it (for `--say`). */
export function simpleMail(mail: SimpleMail): string {
  const messageId = mail.messageId ?? `<${randomUUID()}@customer.example>`;
  const encodedSubject = `=?UTF-8?B?${Buffer.from(mail.subject, "utf8").toString("base64")}?=`;
  const lines = [
    `From: ${mail.from}`,
    `To: ${mail.to}`,
    `Subject: ${encodedSubject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${messageId}`,
    ...(mail.inReplyTo ? [`In-Reply-To: ${mail.inReplyTo}`] : []),
    ...(mail.references?.length ? [`References: ${mail.references.join(" ")}`] : []),
    "MIME-Version: 1.0",
    'Content-Type: text/plain; charset="UTF-8"',
    "Content-Transfer-Encoding: base64",
    "",
    ...(Buffer.from(mail.text, "utf8")
      .toString("base64")
      .match(/.{1,76}/g) ?? []),
    "",
  ];
  return lines.join("\r\n");
}

export interface EmailChatSession {
  /** The customer's address: replies in the outbox are addressed to it. */
  user: string;
  build(text: string): Promise<PlatformRequest>;
}

/**
 * `npm run chat -- --channel email`: each line is a mail in one thread (References grow as a client's
 * would); with `eml`, that raw message is delivered as it is, exactly as SES would.
 */
export function emailChatSession(options: {
  ourAddress: string;
  user: string;
  eml?: Buffer;
  bucket?: string;
  putObject?: (bucket: string, key: string, bytes: Uint8Array) => Promise<void>;
}): EmailChatSession {
  const fromHeader = options.eml
    ? headerList(options.eml).find((h) => h.name.toLowerCase() === "from")?.value
    : undefined;
  const user = (
    fromHeader
      ? addressIn(fromHeader)
      : options.user.includes("@")
        ? options.user
        : `${options.user}@customer.example`
  ).toLowerCase();
  const thread: string[] = [];
  let subject: string | undefined;
  return {
    user,
    async build(text: string) {
      let raw: Buffer;
      if (options.eml) {
        raw = options.eml;
      } else {
        subject ??= text.slice(0, 60);
        const messageId = `<${randomUUID()}@customer.example>`;
        raw = Buffer.from(
          simpleMail({
            from: user,
            to: options.ourAddress,
            subject: thread.length ? `Re: ${subject}` : subject,
            text,
            messageId,
            ...(thread.length ? { inReplyTo: thread.at(-1), references: [...thread] } : {}),
          }),
        );
        thread.push(messageId);
      }
      return sesDelivery({
        raw,
        recipient: options.ourAddress,
        ...(options.bucket ? { bucket: options.bucket } : {}),
        ...(options.putObject ? { putObject: options.putObject } : {}),
      });
    },
  };
}

/** The chat CLI's e-mail session against a running `npm start` (its env file gives endpoints). */
export async function startEmailChat(
  raw: Record<string, string | undefined>,
  env: Record<string, string>,
  user: string,
  emlPath: string | undefined,
): Promise<EmailChatSession> {
  const credentials = credentialsFor(emailModule, raw) as EmailCredentials | undefined;
  if (!credentials) throw new Error("no e-mail configuration (KEFU_EMAIL_FROM)");
  const s3 = env.KEFU_AWS_ENDPOINT ? s3Client(env.KEFU_AWS_ENDPOINT) : undefined;
  return emailChatSession({
    ourAddress: credentials.KEFU_EMAIL_FROM,
    user,
    ...(emlPath ? { eml: await readFile(emlPath) } : {}),
    ...(s3 && env.KEFU_FAQ_BUCKET
      ? {
          // Locally the FAQ bucket stands in for the inbound-mail bucket of the S3 action.
          bucket: env.KEFU_FAQ_BUCKET,
          putObject: async (bucket: string, key: string, bytes: Uint8Array) => {
            await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
          },
        }
      : {}),
  });
}
