import { documentClient, secretsClient } from "../shared/aws/clients";
import { s3BlobStore, s3Client, s3ObjectReader } from "../shared/aws/s3-blobs";
import { channelSender, createChannelSenders } from "../shared/aws/senders";
import type { DeskConfig } from "../shared/config/load";
import type { DeskDeps } from "../shared/core/desk";
import { bucketRulesSource } from "../shared/kb/inspection-rules";
import { createInspectionAuditStore } from "../shared/stores/inspection-audit";
import { createTicketStore } from "../shared/stores/tickets";

/**
 * The agents' desk as `npm run desk` and the local stack's /dev/tickets routes use it: the tickets
 * tables, and replies through each channel's real sender, inspected as the desk API inspects them.
 */
export function wireDesk(config: DeskConfig): DeskDeps {
  const doc = documentClient(config.runtime);
  const s3 = s3Client(config.runtime);
  const channels = createChannelSenders(config, {
    doc,
    secrets: secretsClient(config.runtime),
    blobs: s3ObjectReader(s3),
  });
  const rules = bucketRulesSource(s3BlobStore(s3, config.faqBucket), {
    refreshMs: config.inspection.rulesRefreshMs,
  });
  return {
    tickets: createTicketStore(doc, config.tables.tickets, config.tables.ticketTurns),
    now: () => new Date(),
    send: channelSender(channels),
    inspection: {
      rules: () => rules.current(),
      audit: createInspectionAuditStore(doc, config.tables.inspections),
    },
  };
}
