import type { ChannelContext, ChannelModule } from "../ports";
import { smsSettings } from "../sms-common/channel";
import { SMS_CHANNEL_TEXTS } from "../sms-common/texts";
import { type TwilioCredentials, TwilioCredentialsSchema } from "./credentials";
import { createTwilioInbound } from "./inbound";
import { createTwilioOutbound } from "./outbound";

function outbound(credentials: TwilioCredentials, context: ChannelContext) {
  return createTwilioOutbound({
    credentials,
    apiBase: context.apiBase,
    state: context.state,
    settings: smsSettings(context.env, "twilio"),
  });
}

/** SMS/MMS through Twilio: "A message comes in" webhook → `/webhooks/twilio`; Messages API out. */
export const twilioModule: ChannelModule<TwilioCredentials> = {
  channel: "twilio",
  credentials: TwilioCredentialsSchema,
  demoCredentials: {
    KEFU_TWILIO_ACCOUNT_SID: "AC00000000000000000000000000000000",
    KEFU_TWILIO_AUTH_TOKEN: "kefu-demo-twilio-auth-token",
    KEFU_TWILIO_FROM: "",
  },
  texts: SMS_CHANNEL_TEXTS,
  apiBase: { envVar: "KEFU_TWILIO_API_BASE", default: "https://api.twilio.com" },
  inbound: (credentials, context) =>
    createTwilioInbound({
      credentials,
      maxBodyBytes: context.maxBodyBytes,
      ...(context.publicUrl ? { publicUrl: context.publicUrl } : {}),
      state: context.state,
      settings: smsSettings(context.env, "twilio"),
    }),
  outbound,
};
