import { CHANNEL_MODULES } from "../channels/registry";
import { outboundAdapters } from "../channels/senders";
import type { EventSink } from "../core/analytics/events";
import { ChannelApiError } from "../core/errors";
import type { OutboundMessage } from "../core/message";
import { inspectedOnly, type Send, sentEvent } from "../core/outgoing";
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
async function outboundFor(senders: ChannelSenders, message: Pick<OutboundMessage, "channel">) {
  const adapter = await senders.outbound(message.channel);
  if (!adapter) {
    throw new ChannelApiError(`channel ${message.channel} has no credentials to reply with`, {
      retryable: false,
    });
  }
  return adapter;
}

/**
 * Renders and delivers a message through its channel's sender: the worker's replies, the SMS keyword
 * answers, agents' replies and the CSAT question all go out here. Only with the receipt of its
 * inspection (shared/core/outgoing.ts); each message delivered is counted as a `sent` event.
 */
export function channelSender(senders: ChannelSenders, options: { analytics?: EventSink } = {}): Send {
  return inspectedOnly(
    async (message, sendOptions) => {
      await (await outboundFor(senders, message)).send(message, sendOptions);
    },
    { onSent: (message) => options.analytics?.record([sentEvent(message, new Date())]) },
  );
}
