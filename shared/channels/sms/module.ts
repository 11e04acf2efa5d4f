import { PinpointSMSVoiceV2Client } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import type { ChannelContext, ChannelModule } from "../ports";
import { SMS_CHANNEL_TEXTS } from "../sms-common/texts";
import { type SmsCredentials, SmsCredentialsSchema } from "./credentials";
import { createSmsInbound } from "./inbound";
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

function outbound(credentials: SmsCredentials, context: ChannelContext) {
  return createEndUserMessagingOutbound({
    credentials,
    client: clientFor(context),
    state: context.state,
    settings: context.settings.sms,
  });
}

/** SMS through AWS End User Messaging: two-way SMS → SNS → the SNS ingress function; SendTextMessage out. */
export const smsModule: ChannelModule<SmsCredentials> = {
  channel: "sms",
  credentials: SmsCredentialsSchema,
  demoCredentials: {
    KEFU_SMS_ORIGINATION: "+15550000000",
    KEFU_SMS_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:kefu-sms-inbound",
    KEFU_SMS_CONFIGURATION_SET: "",
  },
  // Empty: the SDK's regional endpoint. Locally the simulator (`/sim/sms`).
  texts: SMS_CHANNEL_TEXTS,
  apiBase: { default: "" },
  notifications: (credentials, context) =>
    createSmsInbound({
      credentials,
      maxBodyBytes: context.maxBodyBytes,
      state: context.state,
      settings: context.settings.sms,
    }),
  outbound,
};
