import { PinpointSMSVoiceV2Client } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import type { ChannelSender } from "../ports";
import { NO_SDK_RETRIES, sdkClients } from "../sdk-clients";
import type { SmsCredentials } from "./credentials";
import { createEndUserMessagingOutbound } from "./outbound";

/** One client per endpoint and region for the life of the Lambda instance (adapters are rebuilt per call). */
const clientFor = sdkClients((config) => new PinpointSMSVoiceV2Client({ ...config, ...NO_SDK_RETRIES }));

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
