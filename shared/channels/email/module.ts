import { SESv2Client } from "@aws-sdk/client-sesv2";
import { z } from "zod";
import type { ChannelContext, ChannelModule } from "../ports";
import { EMAIL_AUTH_MODES } from "./auth";
import { createEmailInbound } from "./inbound";
import { createEmailOutbound } from "./outbound";

const list = (value: string) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Not secrets, but the channel's configuration in the same shape as every channel's credentials: our
 * address (a verified SES identity), our other domains (mail from them is never answered), the SNS
 * topics SES publishes received mail to (comma-separated ARNs; required in AWS) and which senders are
 * answered (KEFU_EMAIL_AUTH, also read from the environment).
 */
export const EmailCredentialsSchema = z.object({
  KEFU_EMAIL_FROM: z.string().regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, "must be an e-mail address"),
  KEFU_EMAIL_DOMAINS: z.string().optional(),
  KEFU_EMAIL_TOPIC_ARNS: z.string().optional(),
  /** Which senders are answered (auth.ts): aligned (default), dmarc or off. */
  KEFU_EMAIL_AUTH: z.enum(EMAIL_AUTH_MODES).optional(),
});
export type EmailCredentials = z.infer<typeof EmailCredentialsSchema>;

/** One SESv2 client per endpoint and region for the life of the instance. */
const clients = new Map<string, SESv2Client>();

function sesClient(context: ChannelContext): SESv2Client {
  const { region } = context;
  const endpoint = context.apiBase || undefined;
  const key = `${region} ${endpoint ?? ""}`;
  let client = clients.get(key);
  if (!client) {
    client = new SESv2Client({
      region,
      ...(endpoint ? { endpoint } : {}),
      ...(context.local ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
    });
    clients.set(key, client);
  }
  return client;
}

/** E-mail through Amazon SES: receipt rule → SNS → the SNS ingress function in, SESv2 SendEmail out. */
export const emailModule: ChannelModule<EmailCredentials> = {
  channel: "email",
  credentials: EmailCredentialsSchema as z.ZodType<EmailCredentials>,
  demoCredentials: {
    KEFU_EMAIL_FROM: "support@kefu.example",
    KEFU_EMAIL_DOMAINS: "kefu.example",
    KEFU_EMAIL_TOPIC_ARNS: "arn:aws:sns:us-east-1:000000000000:kefu-email-inbound",
  },
  // SES inlines mail up to 150 KB in the SNS notification, base64 (+33 %) inside JSON.
  maxBodyBytes: 256 * 1024,
  // Empty: the SDK's regional SES endpoint. Locally the simulator (`/sim/email`).
  apiBase: { default: "" },
  notifications: (credentials, context) =>
    createEmailInbound({
      address: credentials.KEFU_EMAIL_FROM,
      // The secret's keys win over the settings (the stack sets the topics and domains as settings).
      domains: credentials.KEFU_EMAIL_DOMAINS
        ? list(credentials.KEFU_EMAIL_DOMAINS)
        : context.settings.email.domains,
      topicArns: credentials.KEFU_EMAIL_TOPIC_ARNS
        ? list(credentials.KEFU_EMAIL_TOPIC_ARNS)
        : context.settings.email.topicArns,
      auth: credentials.KEFU_EMAIL_AUTH ?? context.settings.email.auth,
      local: context.local,
      maxBodyBytes: context.maxBodyBytes,
      blobs: context.blobs,
    }),
  outbound: (credentials, context) =>
    createEmailOutbound({
      client: sesClient(context),
      from: credentials.KEFU_EMAIL_FROM,
      ...(context.settings.email.configurationSet
        ? { configurationSet: context.settings.email.configurationSet }
        : {}),
    }),
};
