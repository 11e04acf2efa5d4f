import type { Logger } from "@aws-lambda-powertools/logger";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AlertSettings, CsatTexts, DeskRules } from "../config/desk";
import type { CredentialsLocation, RuntimeSettings } from "../config/fragments";
import type { Deadline } from "../core/deadline";
import {
  type Alert,
  type CsatTextFor,
  classifyTicket,
  customerAfterResolve,
  routeTicket,
} from "../core/desk/ticket-care";
import { describeFailure } from "../core/failure";
import type { Channel } from "../core/message";
import type { DeskHooks, HandoffNotice, TicketStore } from "../core/pipeline/ports";
import type { Language } from "../core/text";
import { createAgentStore } from "../stores/agents";
import { createTicketDeskStore } from "../stores/ticket-desk";
import { createAlerter } from "./alerts";
import { secretsClient } from "./clients";
import { credentialsSource } from "./credentials";
import { alertIds, snsClient } from "./notify";

/** What the desk's rules need of a function's configuration (worker, SLA clock, desk API). */
export interface DeskRulesConfig {
  runtime: RuntimeSettings;
  tables: { tickets: string; tokens: string; agents: string };
  credentials: CredentialsLocation;
  agentTopicArn: string | undefined;
  deskRules: DeskRules;
  alerts: AlertSettings;
}

/** The alerter of a function: robots from the credentials secret, e-mail through the agents' topic. */
export function wireAlerts(config: DeskRulesConfig, doc: DynamoDBDocumentClient): Alert {
  const credentials = credentialsSource(config.credentials, secretsClient(config.runtime));
  return createAlerter({
    credentials: () => credentials.get(),
    settings: config.alerts,
    sns: { client: snsClient(config.runtime), topicArn: config.agentTopicArn },
    ids: alertIds(doc, config.tables.tokens),
  });
}

/**
 * The operators' CSAT wording for a channel and language, over their default; none when they set neither
 * (the core then asks the built-in question, ticket-care.ts).
 */
export function csatTextFor(texts: CsatTexts): CsatTextFor {
  return (language: Language, channel: Channel, ticketId: string) => {
    const template = texts[channel]?.[language] ?? texts.default?.[language];
    return template ? template.replaceAll("{ticket}", ticketId) : undefined;
  };
}

/**
 * The worker's side of the desk's rules: skills and SLA on each new ticket, routing and the alert at
 * the hand-off, and the CSAT/reopen step on a resolved ticket's conversation.
 */
export function wireDeskRules(
  config: DeskRulesConfig,
  deps: {
    doc: DynamoDBDocumentClient;
    tickets: TicketStore;
    logger: Logger;
    categoryOf(faqId: string): string | undefined;
  },
): { hooks: DeskHooks; onHandoff(notice: HandoffNotice, options?: { deadline?: Deadline }): Promise<void> } {
  const { doc, tickets, logger } = deps;
  const rules = config.deskRules;
  const agents = createAgentStore(doc, config.tables.agents);
  const desk = createTicketDeskStore(doc, config.tables.tickets);
  const alert = wireAlerts(config, doc);
  const now = () => new Date();

  const hooks: DeskHooks = {
    classify({ message, language, reason, priority, candidates, openedAt }) {
      const top = candidates[0];
      const topCategory = top ? deps.categoryOf(top.faqId) : undefined;
      return classifyTicket(
        {
          channel: message.channel,
          customerId: message.sender.id,
          language,
          reason,
          priority,
          ...(topCategory ? { topCategory } : {}),
          openedAt,
        },
        rules,
      );
    },
    afterResolve: (ticketId, customerText, at) =>
      customerAfterResolve(
        ticketId,
        customerText,
        {
          tickets,
          desk,
          agents,
          alert,
          reopenWindowMs: rules.reopenWindowMs,
          csatWindowMs: rules.csatWindowMs,
          sla: rules.sla,
        },
        at,
      ),
  };

  return {
    hooks,
    async onHandoff({ ticket }) {
      // Routing first, so the alert names the agent; a ticket routing misses waits in the queue and
      // the SLA clock offers it again.
      const assignee = await routeTicket(ticket, { agents, desk, now, routing: rules.routing }).catch(
        (error: unknown) => {
          logger.warn("routing failed", { ticketId: ticket.ticketId, ...describeFailure(error) });
          return undefined;
        },
      );
      await alert({
        kind: "ticket_opened",
        ticketId: ticket.ticketId,
        channel: ticket.channel,
        conversationKey: ticket.conversationKey,
        reason: ticket.reason,
        priority: ticket.priority,
        ...(assignee ? { assignee } : {}),
      }).catch((error: unknown) => {
        logger.warn("alert failed", { ticketId: ticket.ticketId, ...describeFailure(error) });
        throw error;
      });
    },
  };
}
