import type { Logger } from "@aws-lambda-powertools/logger";
import { publishedAtOnce, wireAnalytics } from "../../shared/aws/analytics";
import { documentClient } from "../../shared/aws/clients";
import { wireAlerts } from "../../shared/aws/desk-rules";
import { observability } from "../../shared/aws/powertools";
import { s3Client } from "../../shared/aws/s3-blobs";
import type { SlaConfig } from "../../shared/config/load-desk";
import { createAgentStore } from "../../shared/stores/agents";
import { createTicketDeskStore } from "../../shared/stores/ticket-desk";
import { createTicketStore } from "../../shared/stores/tickets";
import type { SlaDeps } from "./handler";

/** Builds the SLA clock's stores and alerter once per cold start. No channels, no engine. */
export function wireSla(config: SlaConfig, options: { logger?: Logger } = {}): SlaDeps {
  const doc = documentClient(config.runtime);
  const { logger, metrics } = observability(config.runtime, options);
  return {
    logger,
    analytics: wireAnalytics({
      s3: s3Client(config.runtime),
      doc,
      bucket: config.faqBucket,
      countersTable: config.tables.analyticsCounters,
      source: "sla",
      metrics: publishedAtOnce(metrics),
      logger,
    }),
    tickets: createTicketStore(doc, config.tables.tickets, config.tables.ticketTurns),
    desk: createTicketDeskStore(doc, config.tables.tickets),
    agents: createAgentStore(doc, config.tables.agents),
    alert: wireAlerts(config, doc),
    now: () => new Date(),
  };
}
