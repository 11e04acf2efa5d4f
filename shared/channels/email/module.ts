import type * as z from "zod/mini";
import type { ChannelModule } from "../ports";
import { type EmailCredentials, EmailCredentialsSchema } from "./credentials";
import { createEmailInbound } from "./inbound";

const list = (value: string) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** E-mail through Amazon SES: receipt rule → SNS → the SNS ingress function in, SESv2 SendEmail out. */
export const emailModule: ChannelModule<EmailCredentials> = {
  channel: "email",
  credentials: EmailCredentialsSchema as z.ZodMiniType<EmailCredentials>,
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
};
