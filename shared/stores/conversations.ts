import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Turn } from "../core/engine";
import type { Channel } from "../core/message";
import { cutToBytes } from "../core/render";
import { RETENTION } from "../resources";

/** What the worker remembers of one conversation. History is redacted before it is stored. */
export interface Conversation {
  conversationKey: string;
  channel: Channel;
  customerId: string;
  /** Recent turns, oldest first, as kept by `keepHistory`. */
  turns: Turn[];
  /** How many older turns were dropped from `turns` over the conversation's life. */
  omittedTurns?: number;
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

/**
 * What the conversation item keeps of the history, so it stays far below DynamoDB's 400 KB item limit
 * however long the customer's messages are: the last MAX_TURNS turns, each cut to HISTORY_TURN_MAX_BYTES,
 * and of those only the newest that fit in HISTORY_MAX_BYTES together. The history is context for the
 * engine (which reads a few recent turns); the whole exchange of a hand-off is on its ticket.
 */
export const MAX_TURNS = 40;
export const HISTORY_TURN_MAX_BYTES = 4 * 1024;
export const HISTORY_MAX_BYTES = 48 * 1024;
export const MAX_PROCESSED_IDS = 100;

/** The turns the history keeps, and how many older ones it drops. */
export function keepHistory(turns: readonly Turn[]): { turns: Turn[]; dropped: number } {
  const kept: Turn[] = [];
  let bytes = 0;
  for (let i = turns.length - 1; i >= 0 && kept.length < MAX_TURNS; i--) {
    const turn = capTurn(turns[i] as Turn, HISTORY_TURN_MAX_BYTES);
    bytes += Buffer.byteLength(turn.text, "utf8");
    if (bytes > HISTORY_MAX_BYTES) break;
    kept.push(turn);
  }
  return { turns: kept.reverse(), dropped: turns.length - kept.length };
}

/** The turn with its text cut to `maxBytes`, saying how much was left out. */
export function capTurn(turn: Turn, maxBytes: number): Turn {
  const { text, omittedBytes } = cutToBytes(turn.text, maxBytes);
  if (omittedBytes === 0) return turn;
  return { ...turn, text, omittedBytes: omittedBytes + (turn.omittedBytes ?? 0) };
}

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
      const history = keepHistory(conversation.turns);
      const omittedTurns = (conversation.omittedTurns ?? 0) + history.dropped;
      const next: Conversation = {
        ...conversation,
        turns: history.turns,
        ...(omittedTurns > 0 ? { omittedTurns } : {}),
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
