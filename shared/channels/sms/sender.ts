import { PinpointSMSVoiceV2Client } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import type { ChannelContext, ChannelSender } from "../ports";
import type { SmsCredentials } from "./credentials";
import { createEndUserMessagingOutbound } from "./outbound";

/** One client per endpoint and region for the life of the Lambda instance (adapters are rebuilt per call). */
const clients = new Map<string, PinpointSMSVoiceV2Client>();

function clientFor(context: ChannelContext): PinpointSMSVoiceV2Client {
  const { region } = context;
  const endpoint = context.apiBase || undefined;
  const key = `${region} ${endpoint ?? ""}`;
  let client = clients.get(key);
  if (!client) {
    client = new PinpointSMSVoiceV2Client({
      region,
      ...(endpoint ? { endpoint } : {}),
      // The local simulator does not check signatures; real credentials must never reach it.
      ...(context.local ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
    });
    clients.set(key, client);
  }
  return client;
}

/** SMS through AWS End User Messaging: SendTextMessage. */
export const smsSender: ChannelSender<SmsCredentials> = {
  channel: "sms",
  outbound: (credentials, context) =>
    createEndUserMessagingOutbound({
      credentials,
      client: clientFor(context),
      state: context.state,
      settings: context.settings.sms,
    }),
};
