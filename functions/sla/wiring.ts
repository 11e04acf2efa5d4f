import type { Logger } from "@aws-lambda-powertools/logger";
import { createBedrockGrader } from "../../shared/ai/bedrock-grader";
import { publishedAtOnce, wireAnalytics } from "../../shared/aws/analytics";
import { bedrockClient } from "../../shared/aws/bedrock";
import { documentClient } from "../../shared/aws/clients";
import { wireAlerts } from "../../shared/aws/desk-rules";
import { observability } from "../../shared/aws/powertools";
import { s3Client } from "../../shared/aws/s3-blobs";
import type { SlaConfig } from "../../shared/config/load-desk";
import { agentReplies, type ConversationGrader, referenceFaqIds } from "../../shared/core/quality/review";
import { createHeuristicGrader } from "../../shared/core/quality/review-heuristic";
import { faqIndex } from "../../shared/kb/faq-index";
import { createAgentStore } from "../../shared/stores/agents";
import { createFaqRepository } from "../../shared/stores/faq";
import { createReviewQueue, createReviewStore } from "../../shared/stores/reviews";
import { createTicketDeskStore } from "../../shared/stores/ticket-desk";
import { createTicketStore } from "../../shared/stores/tickets";
import type { SlaDeps } from "./handler";

/**
 * Reviews a tick grades: a model review takes seconds, and the tick (50 s) does the SLA work first.
 * The heuristic takes microseconds.
 */
const REVIEWS_PER_TICK = { bedrock: 3, heuristic: 20 } as const;
/** One model review's budget, retries included: REVIEWS_PER_TICK of them fit in a tick. */
const MODEL_REVIEW_TIMEOUT_MS = 10_000;

/** Builds the SLA clock's stores and alerter once per cold start. No channels, no engine. */
export function wireSla(config: SlaConfig, options: { logger?: Logger } = {}): SlaDeps {
  const doc = documentClient(config.runtime);
  const { logger, metrics } = observability(config.runtime, options);
  return {
    logger,
    analytics: wireAnalytics(config, {
      s3: s3Client(config.runtime),
      doc,
      source: "sla",
      metrics: publishedAtOnce(metrics),
      logger,
    }),
    tickets: createTicketStore(doc, config.tables.tickets, config.tables.ticketTurns),
    desk: createTicketDeskStore(doc, config.tables.tickets),
    agents: createAgentStore(doc, config.tables.agents),
    routing: config.deskRules.routing,
    alert: wireAlerts(config, doc),
    now: () => new Date(),
    ...wireReview(config, doc),
  };
}

/** The QA review's pass, when KEFU_QA_REVIEW is on: the grader, the queue, the FAQ for the reference. */
function wireReview(config: SlaConfig, doc: ReturnType<typeof documentClient>): Pick<SlaDeps, "review"> {
  const settings = config.review;
  if (settings.grader === "off") return {};
  const grader: ConversationGrader =
    settings.grader === "bedrock"
      ? createBedrockGrader({
          client: bedrockClient(config.runtime),
          modelId: settings.modelId,
          timeoutMs: MODEL_REVIEW_TIMEOUT_MS,
        })
      : createHeuristicGrader();
  const tickets = createTicketStore(doc, config.tables.tickets, config.tables.ticketTurns);
  const faq = faqIndex(
    createFaqRepository(doc, config.tables.faq),
    config.knowledgeBase.name,
    config.knowledgeBase.refreshMs,
  );
  return {
    review: {
      queue: createReviewQueue(doc, config.tables.tickets),
      reviews: createReviewStore(doc, config.tables.reviews),
      tickets,
      grader,
      limit: REVIEWS_PER_TICK[settings.grader],
      // The entries the agent started from, those the agent's own replies match, the hand-off's candidates.
      async reference(ticket) {
        const found = await faq.retriever.search(agentReplies(ticket), 3);
        const ids = referenceFaqIds(ticket, found);
        const entries = await faq.entries(ids);
        return ids.flatMap((id) => {
          const entry = entries.get(id);
          return entry ? [entry] : [];
        });
      },
    },
  };
}
