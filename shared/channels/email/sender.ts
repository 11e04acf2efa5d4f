import { SESv2Client } from "@aws-sdk/client-sesv2";
import type { ChannelSender } from "../ports";
import { NO_SDK_RETRIES, sdkClients } from "../sdk-clients";
import type { EmailCredentials } from "./credentials";
import { createEmailOutbound } from "./outbound";

/** One SESv2 client per endpoint and region for the life of the instance. */
const sesClient = sdkClients((config) => new SESv2Client({ ...config, ...NO_SDK_RETRIES }));

/** E-mail through Amazon SES: SESv2 SendEmail. */
export const emailSender: ChannelSender<EmailCredentials> = {
  channel: "email",
  outbound: (credentials, context) =>
    createEmailOutbound({
      client: sesClient(context),
      from: credentials.KEFU_EMAIL_FROM,
      ...(context.settings.email.configurationSet
        ? { configurationSet: context.settings.email.configurationSet }
        : {}),
    }),
};
