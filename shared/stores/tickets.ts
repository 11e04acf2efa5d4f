import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { HandoffReason, Turn } from "../core/engine";
import type { Channel } from "../core/message";
import type { Candidate } from "../kb/types";

export type TicketStatus = "open" | "assigned" | "resolved";

/** A hand-off to a person, with everything they need so the customer never repeats themselves. */
export interface Ticket {
  ticketId: string;
  conversationKey: string;
  channel: Channel;
  customerId: string;
  /** Where an agent's reply goes: our account the customer wrote to and the channel's routing data. */
  replyTo?: { from?: string; replyContext: Record<string, string> };
  reason: HandoffReason;
  priority: "normal" | "high";
  detail?: string;
  status: TicketStatus;
  /** The conversation so far (redacted), then every message the customer sends while it is open. */
  transcript: Turn[];
  /** What retrieval found, with scores, so the agent sees what the bot considered. */
  candidates: Candidate[];
  createdAt: string;
  updatedAt: string;
  resolvedAt?: string;
}

export interface TicketStore {
  /** Creates the ticket; creating the same id again (a retried message) keeps the first. */
  create(ticket: Ticket): Promise<Ticket>;
  get(ticketId: string): Promise<Ticket | undefined>;
  append(ticketId: string, turn: Turn, now?: Date): Promise<void>;
  resolve(ticketId: string, now?: Date): Promise<void>;
  listByStatus(status: TicketStatus, limit?: number): Promise<Ticket[]>;
}

export function isOpen(ticket: Ticket | undefined): boolean {
  return !!ticket && ticket.status !== "resolved";
}

export function createTicketStore(doc: DynamoDBDocumentClient, tableName: string): TicketStore {
  return {
    async create(ticket) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: ticket,
            ConditionExpression: "attribute_not_exists(ticketId)",
          }),
        );
        return ticket;
      } catch (error) {
        if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
        const existing = await this.get(ticket.ticketId);
        if (!existing) throw error;
        return existing;
      }
    },

    async get(ticketId) {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: { ticketId }, ConsistentRead: true }),
      );
      return Item as Ticket | undefined;
    },

    async append(ticketId, turn, now = new Date()) {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { ticketId },
          UpdateExpression: "SET transcript = list_append(transcript, :turn), updatedAt = :now",
          ConditionExpression: "attribute_exists(ticketId)",
          ExpressionAttributeValues: { ":turn": [turn], ":now": now.toISOString() },
        }),
      );
    },

    async resolve(ticketId, now = new Date()) {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { ticketId },
          UpdateExpression: "SET #status = :resolved, resolvedAt = :now, updatedAt = :now",
          ConditionExpression: "attribute_exists(ticketId)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":resolved": "resolved", ":now": now.toISOString() },
        }),
      );
    },

    async listByStatus(status, limit = 100) {
      const { Items } = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: "byStatus",
          KeyConditionExpression: "#status = :status",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":status": status },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (Items ?? []) as Ticket[];
    },
  };
}
