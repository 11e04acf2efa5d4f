import {
  memoryAgents,
  memoryChanges,
  memoryConversations,
  memoryOutbox,
  memoryPicks,
  memoryRepo,
  memoryReviewQueue,
  memoryReviews,
  memoryState,
  memoryTicketDesk,
  memoryTickets,
  memoryTokenStore,
} from "../../../shared/stores/memory";
import { describeStoreContract } from "../../contract/stores.contract";

/** The in-memory fakes every unit test relies on, held to the DynamoDB stores' contract. */
const conversations = memoryConversations();
const outbox = memoryOutbox();
const tokens = memoryTokenStore();
const channelState = memoryState();

describeStoreContract({
  name: "in-memory fakes",
  conversations: () => conversations,
  tickets: () => memoryTickets(),
  outbox: () => outbox,
  tokens: () => tokens,
  channelState: () => channelState,
  faq: () => memoryRepo(),
  changes: () => memoryChanges(),
  picks: () => memoryPicks(),
  agents: () => memoryAgents(),
  ticketDesk: () => {
    const tickets = memoryTickets();
    return { tickets, desk: memoryTicketDesk(tickets), reviewQueue: memoryReviewQueue(tickets) };
  },
  reviews: () => memoryReviews(),
  expiresAt: {
    conversation: async (key) => conversations.expiresAt.get(key),
    outbox: async (key) => outbox.expiresAt.get(key),
    token: async (name) => tokens.expiresAt.get(name),
    channelState: async (key) => channelState.expiresAt.get(key),
  },
});
