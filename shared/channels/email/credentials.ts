import * as z from "zod/mini";
import { EMAIL_AUTH_MODES } from "./auth";

/**
 * Not secrets, but the channel's configuration in the same shape as every channel's credentials: our
 * address (a verified SES identity), our other domains (mail from them is never answered), the SNS
 * topics SES publishes received mail to (comma-separated ARNs; required in AWS) and which senders are
 * answered (KEFU_EMAIL_AUTH, also read from the environment).
 */
export const EmailCredentialsSchema = z.object({
  KEFU_EMAIL_FROM: z.string().check(z.regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, "must be an e-mail address")),
  KEFU_EMAIL_DOMAINS: z.optional(z.string()),
  KEFU_EMAIL_TOPIC_ARNS: z.optional(z.string()),
  /** Which senders are answered (auth.ts): aligned (default), dmarc or off. */
  KEFU_EMAIL_AUTH: z.optional(z.enum(EMAIL_AUTH_MODES)),
});
export type EmailCredentials = z.infer<typeof EmailCredentialsSchema>;
