import { SESv2Client } from "@aws-sdk/client-sesv2";
import type { ChannelContext, ChannelSender } from "../ports";
import type { EmailCredentials } from "./module";
import { createEmailOutbound } from "./outbound";

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
