import type { EventSinkLogger } from "../shared/aws/analytics";
import { wireAnalytics } from "../shared/aws/analytics";
import { sdkChannelClients } from "../shared/aws/channels";
import { documentClient } from "../shared/aws/clients";
import { csatTextFor } from "../shared/aws/desk-rules";
import { observability } from "../shared/aws/powertools";
import { s3BlobStore, s3Client } from "../shared/aws/s3-blobs";
import { channelSender, createChannelSenders } from "../shared/aws/senders";
import { channelTexts } from "../shared/channels/registry";
import type { DeskConfig } from "../shared/config/load-desk";
import type { AgentActionDeps } from "../shared/core/desk/actions";
import { bucketRulesSource } from "../shared/kb/inspection-rules";
import { createAgentStore } from "../shared/stores/agents";
import { createDeskTicketStore } from "../shared/stores/desk-tickets";
import { createInspectionAuditStore } from "../shared/stores/inspection-audit";
import { createTicketDeskStore } from "../shared/stores/ticket-desk";

/** Where analytics write failures are told outside a Lambda: ids and error names only (analyticsSink). */
const consoleWarnings: EventSinkLogger = {
  warn: (message, fields) => console.error(`${message}: ${JSON.stringify(fields)}`),
};

/**
 * The agents' desk as `npm run desk` and the local stack's /dev/tickets routes use it: the tickets
 * tables, replies through each channel's real sender, inspected as the desk API inspects them, and what
 * the desk API does after a reply or a resolve (shared/core/desk/actions.ts): the agents' counters, the
 * CSAT question, the analytics events.
 */
export function wireDesk(config: DeskConfig, options: { logger?: EventSinkLogger } = {}): AgentActionDeps {
  const doc = documentClient(config.runtime);
  const s3 = s3Client(config.runtime);
  const channels = createChannelSenders(config, sdkChannelClients(config.runtime, doc, s3));
  const rules = bucketRulesSource(s3BlobStore(s3, config.faqBucket), {
    refreshMs: config.inspection.rulesRefreshMs,
  });
  const analytics = wireAnalytics(config, {
    s3,
    doc,
    source: "desk",
    // Outside a Lambda the metrics are never published: a dropped event is told by the logger.
    metrics: observability(config.runtime).metrics,
    logger: options.logger ?? consoleWarnings,
  });
  return {
    tickets: createDeskTicketStore(doc, config.tables.tickets, config.tables.ticketTurns),
    now: () => new Date(),
    // Only inspected messages go out, each counted as sent (shared/core/outgoing.ts).
    send: channelSender(channels, { analytics }),
    inspection: {
      rules: () => rules.current(),
      audit: createInspectionAuditStore(doc, config.tables.inspections),
    },
    agents: createAgentStore(doc, config.tables.agents),
    care: createTicketDeskStore(doc, config.tables.tickets),
    csat: {
      windowMs: config.deskRules.csatWindowMs,
      text: csatTextFor(config.deskRules.csatTexts),
      channelTexts: channelTexts(),
    },
    analytics,
  };
}
