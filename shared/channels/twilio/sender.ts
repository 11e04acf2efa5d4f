import type { ChannelSender } from "../ports";
import type { TwilioCredentials } from "./credentials";
import { createTwilioOutbound } from "./outbound";

/** Twilio: the Messages API. */
export const twilioSender: ChannelSender<TwilioCredentials> = {
  channel: "twilio",
  outbound: (credentials, context) =>
    createTwilioOutbound({
      credentials,
      apiBase: context.apiBase,
      state: context.state,
      settings: context.settings.twilio,
    }),
};
