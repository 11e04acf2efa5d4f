import * as z from "zod/mini";

/**
 * AWS End User Messaging SMS. Not secrets (the Lambda role signs the calls), but configuration that
 * travels with the other channel keys so the channel is on exactly when it is configured.
 */
export const SmsCredentialsSchema = z.object({
  /** Phone number (E.164), phone number id/ARN, or pool id/ARN (`pool-…`) replies are sent from. */
  KEFU_SMS_ORIGINATION: z.string().check(z.minLength(3)),
  /**
   * The SNS topic End User Messaging publishes inbound SMS to. Required: SNS signs every topic's
   * deliveries, so a valid signature alone would also admit a stranger's topic subscribed to our URL.
   */
  KEFU_SMS_TOPIC_ARN: z
    .string()
    .check(z.regex(/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]{1,256}$/, "must be an SNS topic ARN")),
  /** Optional configuration set (event destinations for delivery receipts). */
  KEFU_SMS_CONFIGURATION_SET: z._default(z.string(), ""),
});
export type SmsCredentials = z.infer<typeof SmsCredentialsSchema>;
