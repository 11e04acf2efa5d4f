import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  ConcurrentUpdateError,
  type Conversation,
  keepHistory,
  MAX_PROCESSED_IDS,
} from "../core/conversation";
import type { ConversationStore } from "../core/pipeline/ports";
import { RETENTION } from "../resources";

export function createConversationStore(doc: DynamoDBDocumentClient, tableName: string): ConversationStore {
  return {
    async get(conversationKey) {
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: { conversationKey } }));
      if (!Item) return undefined;
      // The TTL attribute is the table's, not the conversation's.
      const { expiresAt: _ttl, ...conversation } = Item;
      return conversation as Conversation;
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
