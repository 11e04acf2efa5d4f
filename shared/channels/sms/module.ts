import type { ChannelModule } from "../ports";
import { SMS_CHANNEL_TEXTS } from "../sms-common/texts";
import { type SmsCredentials, SmsCredentialsSchema } from "./credentials";
import { createSmsInbound } from "./inbound";

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
};
