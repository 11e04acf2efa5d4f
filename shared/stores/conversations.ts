import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Turn } from "../core/engine";
import type { Channel } from "../core/message";
import { RETENTION } from "../resources";

/** What the worker remembers of one conversation. History is redacted before it is stored. */
export interface Conversation {
  conversationKey: string;
  channel: Channel;
  customerId: string;
  /** Recent turns, oldest first, capped at MAX_TURNS. */
  turns: Turn[];
  /** Whether the customer has been told they are talking to an AI. */
  disclosed: boolean;
  /** The ticket a person is working on; while it is open the bot stays silent. */
  openTicketId?: string;
  /** The options of the last clarifying question, so that "1"/"2"/"3" can pick one. */
  pendingClarification?: { faqId: string; question: string }[];
  /** Inbound message ids already handled, newest last: a redelivered message is not answered twice. */
  processedIds: string[];
  tokenUsage?: { inputTokens: number; outputTokens: number };
  createdAt: string;
  updatedAt: string;
  /** Optimistic-lock counter: the agents' desk and the worker may both write. */
  revision: number;
}

export const MAX_TURNS = 40;
export const MAX_PROCESSED_IDS = 100;

export function newConversation(init: {
  conversationKey: string;
  channel: Channel;
  customerId: string;
  now: Date;
}) {
  const at = init.now.toISOString();
  return {
    conversationKey: init.conversationKey,
    channel: init.channel,
    customerId: init.customerId,
    turns: [],
    disclosed: false,
    processedIds: [],
    createdAt: at,
    updatedAt: at,
    revision: 0,
  } satisfies Conversation;
}

export class ConcurrentUpdateError extends Error {
  constructor(key: string, options?: { cause?: unknown }) {
    super(`conversation ${key} was changed by someone else`, options);
    this.name = "ConcurrentUpdateError";
  }
}

export interface ConversationStore {
  get(conversationKey: string): Promise<Conversation | undefined>;
  /** Saves the conversation if nobody saved it since it was read; bumps `revision`. */
  save(conversation: Conversation, now?: Date): Promise<Conversation>;
}

export function createConversationStore(doc: DynamoDBDocumentClient, tableName: string): ConversationStore {
  return {
    async get(conversationKey) {
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: { conversationKey } }));
      return Item as Conversation | undefined;
    },

    async save(conversation, now = new Date()) {
      const next: Conversation = {
        ...conversation,
        turns: conversation.turns.slice(-MAX_TURNS),
        processedIds: conversation.processedIds.slice(-MAX_PROCESSED_IDS),
        updatedAt: now.toISOString(),
        revision: conversation.revision + 1,
      };
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...next,
              expiresAt: Math.floor(now.getTime() / 1000) + RETENTION.conversationDays * 86_400,
            },
            ConditionExpression: "attribute_not_exists(conversationKey) OR revision = :read",
            ExpressionAttributeValues: { ":read": conversation.revision },
          }),
        );
      } catch (error) {
        if ((error as Error).name === "ConditionalCheckFailedException") {
          throw new ConcurrentUpdateError(conversation.conversationKey, { cause: error });
        }
        throw error;
      }
      return next;
    },
  };
}
