import type { Channel } from "../core/message";
import type { RawCredentials } from "./credentials";
import { dingtalkSender } from "./dingtalk/sender";
import { emailSender } from "./email/sender";
import type { ChannelSender, OutboundAdapter } from "./ports";
import { type ContextWithoutApiBase, resolveChannel } from "./registry";
import { smsSender } from "./sms/sender";
import { twilioSender } from "./twilio/sender";
import { wechatSender } from "./wechat/sender";
import { wecomSender } from "./wecom/sender";
import { wecomKfSender } from "./wecom-kf/sender";

/**
 * Every channel's sending half. Apart from registry.ts so that the webhook, which only receives, bundles
 * none of them (nor the SES and End User Messaging clients they make).
 */
export const CHANNEL_SENDERS: readonly ChannelSender<never>[] = [
  wechatSender as ChannelSender<never>,
  wecomSender as ChannelSender<never>,
  wecomKfSender as ChannelSender<never>,
  dingtalkSender as ChannelSender<never>,
  emailSender as ChannelSender<never>,
  smsSender as ChannelSender<never>,
  twilioSender as ChannelSender<never>,
];

export function senderFor(channel: string): ChannelSender | undefined {
  return CHANNEL_SENDERS.find((s) => s.channel === channel) as ChannelSender | undefined;
}

/** The sending adapters, for the worker and the agents' desk. */
export function outboundAdapters(
  getCredentials: () => Promise<RawCredentials>,
  context: ContextWithoutApiBase,
) {
  return {
    async outbound(channel: Channel): Promise<OutboundAdapter | undefined> {
      const sender = senderFor(channel);
      const found = sender && (await resolveChannel(channel, getCredentials, context));
      return found && sender?.outbound(found.credentials, found.context);
    },
  };
}
