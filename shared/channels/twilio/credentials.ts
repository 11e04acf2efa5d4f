import * as z from "zod/mini";

export const TwilioCredentialsSchema = z.object({
  KEFU_TWILIO_ACCOUNT_SID: z
    .string()
    .check(z.regex(/^AC[0-9a-fA-F]{32}$/, "must be an Account SID (AC + 32 hex)")),
  /** Signs the webhooks (X-Twilio-Signature) and authenticates API calls (Basic auth). */
  KEFU_TWILIO_AUTH_TOKEN: z.string().check(z.minLength(8)),
  /**
   * Optional sender: a phone number (E.164) or a Messaging Service SID (MG…). Empty: reply from the
   * number the customer wrote to.
   */
  KEFU_TWILIO_FROM: z._default(
    z
      .string()
      .check(
        z.regex(/^(\+\d{3,16}|MG[0-9a-fA-F]{32}|)$/, "must be an E.164 number or a Messaging Service SID"),
      ),
    "",
  ),
});
export type TwilioCredentials = z.infer<typeof TwilioCredentialsSchema>;
