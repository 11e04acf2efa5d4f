import type { ChannelSender } from "../ports";
import type { WeComCredentials } from "./credentials";
import { createWeComOutbound } from "./outbound";

/** WeCom self-built app: `message/send`. */
export const wecomSender: ChannelSender<WeComCredentials> = {
  channel: "wecom",
  outbound: (credentials, context) =>
    createWeComOutbound({ credentials, apiBase: context.apiBase, tokens: context }),
};
