import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "../../shared/aws/clients";
import { loadSlaConfig, loadWorkerConfig } from "../../shared/config/load-desk";
import { TABLES } from "../../shared/resources";
import { createAgentStore } from "../../shared/stores/agents";
import { createChangeStore } from "../../shared/stores/changes";
import { createChannelStateStore } from "../../shared/stores/channel-state";
import { createConversationStore } from "../../shared/stores/conversations";
import { createFaqRepository } from "../../shared/stores/faq";
import { createOutboxStore } from "../../shared/stores/outbox";
import { createPickStore, pickDay } from "../../shared/stores/picks";
import { createReviewQueue, createReviewStore, reviewDay } from "../../shared/stores/reviews";
import { sdkDocumentTable } from "../../shared/stores/sdk-table";
import { createTicketDeskStore } from "../../shared/stores/ticket-desk";
import { createTicketStore } from "../../shared/stores/tickets";
import { createTokenStore } from "../../shared/stores/tokens";
import { describeStoreContract } from "../contract/stores.contract";
import { testEnv } from "../support/local-env";

/** The DynamoDB stores on DynamoDB Local, held to the same contract as the fakes the unit tests use. */
const worker = loadWorkerConfig(testEnv());
const { tables } = worker;
// The agents and reviews tables are the SLA clock's (the worker is not granted them).
const desk = loadSlaConfig(testEnv());
const doc = documentClient(worker.runtime);

/** The TTL attribute as DynamoDB stores it, read past the store. */
const ttl = (table: string, keyOf: (key: string) => Record<string, string>) => async (key: string) => {
  const { Item } = await doc.send(
    new GetCommand({ TableName: table, Key: keyOf(key), ConsistentRead: true }),
  );
  return Item?.expiresAt as number | undefined;
};

describeStoreContract({
  name: "DynamoDB Local",
  conversations: () => createConversationStore(doc, tables.conversations),
  tickets: () => createTicketStore(doc, tables.tickets, tables.ticketTurns),
  outbox: () => createOutboxStore(doc, tables.outbox),
  tokens: () => createTokenStore(sdkDocumentTable(doc), tables.tokens),
  channelState: () => createChannelStateStore(sdkDocumentTable(doc), tables.tokens),
  faq: () => createFaqRepository(doc, tables.faq),
  // The desk API's table (its whole configuration would need a user pool too).
  changes: () => createChangeStore(doc, testEnv()[TABLES.changes.envVar] as string),
  picks: () =>
    Object.assign(createPickStore(doc, tables.picks), {
      expiresAt: (pick: { id: string; at: string }) =>
        ttl(tables.picks, () => ({ day: pickDay(pick.at), id: pick.id }))(pick.id),
    }),
  agents: () => createAgentStore(doc, desk.tables.agents),
  ticketDesk: () => ({
    tickets: createTicketStore(doc, tables.tickets, tables.ticketTurns),
    desk: createTicketDeskStore(doc, tables.tickets),
    reviewQueue: createReviewQueue(doc, tables.tickets),
  }),
  reviews: () =>
    Object.assign(createReviewStore(doc, desk.tables.reviews), {
      expiresAt: (review: { ticketId: string; resolvedAt: string }) =>
        ttl(desk.tables.reviews, () => ({ day: reviewDay(review.resolvedAt), ticketId: review.ticketId }))(
          review.ticketId,
        ),
    }),
  expiresAt: {
    conversation: ttl(tables.conversations, (conversationKey) => ({ conversationKey })),
    outbox: ttl(tables.outbox, (messageKey) => ({ messageKey })),
    token: ttl(tables.tokens, (name) => ({ name })),
    channelState: ttl(tables.tokens, (key) => ({ name: `state:${key}` })),
  },
});
