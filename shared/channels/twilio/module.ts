import type { ChannelModule } from "../ports";
import { SMS_CHANNEL_TEXTS } from "../sms-common/texts";
import { type TwilioCredentials, TwilioCredentialsSchema } from "./credentials";
import { createTwilioInbound } from "./inbound";

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
  apiBase: { default: "https://api.twilio.com" },
  inbound: (credentials, context) =>
    createTwilioInbound({
      credentials,
      maxBodyBytes: context.maxBodyBytes,
      ...(context.publicUrl ? { publicUrl: context.publicUrl } : {}),
      state: context.state,
      settings: context.settings.twilio,
    }),
};
