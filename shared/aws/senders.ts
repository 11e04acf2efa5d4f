import { CHANNEL_MODULES } from "../channels/registry";
import { outboundAdapters } from "../channels/senders";
import type { SendOptions } from "../core/delivery";
import { ChannelApiError } from "../core/errors";
import type { OutboundMessage } from "../core/message";
import { type ChannelClients, type ChannelsConfig, channelSources } from "./channels";

export type ChannelSenders = ReturnType<typeof outboundAdapters>;

/** The channels' sending adapters, as the worker and the agents' desk use them (see channelSources). */
export function createChannelSenders(config: ChannelsConfig, clients: ChannelClients): ChannelSenders {
  const { getCredentials, context } = channelSources(config, clients, CHANNEL_MODULES);
  return outboundAdapters(getCredentials, context);
}

/**
 * The outbound adapter of a message's channel; a channel without credentials here is a refusal retrying
 * cannot fix.
 */
export async function outboundFor(senders: ChannelSenders, message: Pick<OutboundMessage, "channel">) {
  const adapter = await senders.outbound(message.channel);
  if (!adapter) {
    throw new ChannelApiError(`channel ${message.channel} has no credentials to reply with`, {
      retryable: false,
    });
  }
  return adapter;
}

/**
 * Renders and delivers a message through its channel's sender: the worker's replies and agents' replies
 * go out the same way.
 */
export function channelSender(senders: ChannelSenders) {
  return async (message: OutboundMessage, options?: SendOptions): Promise<void> => {
    await (await outboundFor(senders, message)).send(message, options);
  };
}
