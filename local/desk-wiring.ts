import { documentClient, secretsClient } from "../shared/aws/clients";
import { s3Client, s3ObjectReader } from "../shared/aws/s3-blobs";
import { channelSender, createChannelSenders } from "../shared/aws/senders";
import type { DeskConfig } from "../shared/config/load";
import type { DeskDeps } from "../shared/core/desk";
import { createTicketStore } from "../shared/stores/tickets";

/**
 * The agents' desk as `npm run desk` and the local stack's /dev/tickets routes use it: the tickets
 * tables, and replies through each channel's real sender.
 */
export function wireDesk(config: DeskConfig): DeskDeps {
  const doc = documentClient(config.runtime);
  const channels = createChannelSenders(config, {
    doc,
    secrets: secretsClient(config.runtime),
    blobs: s3ObjectReader(s3Client(config.runtime)),
  });
  return {
    tickets: createTicketStore(doc, config.tables.tickets, config.tables.ticketTurns),
    now: () => new Date(),
    send: channelSender(channels),
  };
}
