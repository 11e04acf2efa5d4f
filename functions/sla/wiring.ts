import type { Logger } from "@aws-lambda-powertools/logger";
import { documentClient } from "../../shared/aws/clients";
import { wireAlerts } from "../../shared/aws/desk-rules";
import { observability } from "../../shared/aws/powertools";
import type { SlaConfig } from "../../shared/config/load-desk";
import { createAgentStore } from "../../shared/stores/agents";
import { createTicketDeskStore } from "../../shared/stores/ticket-desk";
import { createTicketStore } from "../../shared/stores/tickets";
import type { SlaDeps } from "./handler";

/** Builds the SLA clock's stores and alerter once per cold start. No channels, no engine. */
export function wireSla(config: SlaConfig, options: { logger?: Logger } = {}): SlaDeps {
  const doc = documentClient(config.runtime);
  return {
    logger: observability(config.runtime, options).logger,
    tickets: createTicketStore(doc, config.tables.tickets, config.tables.ticketTurns),
    desk: createTicketDeskStore(doc, config.tables.tickets),
    agents: createAgentStore(doc, config.tables.agents),
    alert: wireAlerts(config, doc),
    now: () => new Date(),
  };
}
