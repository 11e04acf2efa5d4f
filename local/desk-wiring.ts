import { channelSender, createChannelAdapters } from "../shared/aws/channels";
import { documentClient, s3Client, secretsClient } from "../shared/aws/clients";
import type { DeskConfig } from "../shared/config/load";
import type { DeskDeps } from "../shared/core/desk";
import { createTicketStore } from "../shared/stores/tickets";

/**
 * The agents' desk as `npm run desk` and the local stack's /dev/tickets routes use it: the tickets
 * tables, and replies through each channel's real sender.
 */
export function wireDesk(config: DeskConfig): DeskDeps {
  const doc = documentClient(config.runtime);
  const channels = createChannelAdapters(config, {
    doc,
    s3: s3Client(config.runtime),
    secrets: secretsClient(config.runtime),
  });
  return {
    tickets: createTicketStore(doc, config.tables.tickets, config.tables.ticketTurns),
    now: () => new Date(),
    send: channelSender(channels),
  };
}
