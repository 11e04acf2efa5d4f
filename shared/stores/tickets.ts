import { createHash, randomUUID } from "node:crypto";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mapWithConcurrency } from "../core/concurrency";
import { capTurn, keepHistory, type Turn } from "../core/conversation";
import type { TicketStore } from "../core/pipeline/ports";
import type { Ticket, TicketStatus } from "../core/ticket";
import { newestByStatus } from "./queries";

/**
 * Text kept of one turn on a ticket: about 33,000 Chinese characters, a very long e-mail, and far
 * below the 400 KB item limit. A longer turn keeps its beginning and says how much was cut.
 */
export const TICKET_TURN_MAX_BYTES = 100 * 1024;

/** The value of `reviewQueue` on a resolved ticket waiting for its QA review (index byReviewDue). */
export const REVIEW_DUE = "due";

/** Turns read at once when a list of tickets is shown. */
const LIST_CONCURRENCY = 8;

/**
 * Two tables: the ticket item (status, routing, candidates, and the conversation at the hand-off as
 * `context`, bounded like a conversation's history) and one item per later turn in the turns table,
 * sorted by time. No item grows with the length of the exchange.
 */
export function createTicketStore(
  doc: DynamoDBDocumentClient,
  tableName: string,
  turnsTableName: string,
): TicketStore {
  type StoredTicket = Omit<Ticket, "transcript"> & { context?: Turn[]; transcript?: Turn[] };

  /** The turn items of a ticket (those whose sort key starts with `seqPrefix`, if given), every page. */
  async function turnItems(ticketId: string, seqPrefix?: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    const pages = paginateQuery(
      { client: doc },
      {
        TableName: turnsTableName,
        KeyConditionExpression: seqPrefix ? "ticketId = :id AND begins_with(seq, :prefix)" : "ticketId = :id",
        ExpressionAttributeValues: { ":id": ticketId, ...(seqPrefix ? { ":prefix": seqPrefix } : {}) },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items;
  }

  async function turnsOf(ticketId: string): Promise<Turn[]> {
    return (await turnItems(ticketId)).map(turnOf);
  }

  /** The ids of the turns stored with this time: a retried message finds its turn among them. */
  async function storedTurnIds(ticketId: string, at: string): Promise<Set<string>> {
    return new Set((await turnItems(ticketId, `${at}#`)).map((item) => String(item.turnId)));
  }

  async function withTranscript(stored: StoredTicket): Promise<Ticket> {
    // Tickets written before the turns table kept every turn inline, as `transcript`.
    const { context, transcript: inline, ...ticket } = stored;
    return { ...ticket, transcript: [...(context ?? inline ?? []), ...(await turnsOf(ticket.ticketId))] };
  }

  return {
    async create(ticket) {
      const { transcript, ...rest } = ticket;
      const context = keepHistory(transcript);
      const omittedTurns = (ticket.omittedTurns ?? 0) + context.dropped;
      const stored: StoredTicket = {
        ...rest,
        context: context.turns,
        ...(omittedTurns > 0 ? { omittedTurns } : {}),
      };
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: stored,
            ConditionExpression: "attribute_not_exists(ticketId)",
          }),
        );
        return { ...rest, transcript: context.turns, ...(omittedTurns > 0 ? { omittedTurns } : {}) };
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
      return Item ? withTranscript(Item as StoredTicket) : undefined;
    },

    async status(ticketId) {
      const { Item } = await doc.send(
        new GetCommand({
          TableName: tableName,
          Key: { ticketId },
          ConsistentRead: true,
          ProjectionExpression: "#status",
          ExpressionAttributeNames: { "#status": "status" },
        }),
      );
      return Item?.status as TicketStatus | undefined;
    },

    async append(ticketId, turn, options = {}) {
      const now = options.now ?? new Date();
      // First the ticket, so that a turn never lands on a ticket that does not exist.
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { ticketId },
          UpdateExpression: "SET updatedAt = :now",
          ConditionExpression: "attribute_exists(ticketId)",
          ExpressionAttributeValues: { ":now": now.toISOString() },
        }),
      );
      const turnId = options.id ? digest(options.id) : randomUUID();
      // Platforms stamp messages to the second: turns with the same time sort by when they were stored.
      if (options.id && (await storedTurnIds(ticketId, turn.at)).has(turnId)) return;
      await doc.send(
        new PutCommand({
          TableName: turnsTableName,
          Item: {
            ticketId,
            seq: `${turn.at}#${now.toISOString()}#${turnId}`,
            turnId,
            ...capTurn(turn, TICKET_TURN_MAX_BYTES),
          },
        }),
      );
    },

    async resolve(ticketId, now = new Date()) {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { ticketId },
          // Every resolve queues the ticket for the QA review (the sparse byReviewDue index), in the same
          // write: whichever path resolves it (desk, CLI, a closed 微信客服 session), none is missed.
          UpdateExpression:
            "SET #status = :resolved, resolvedAt = :now, updatedAt = :now, reviewQueue = :due REMOVE reviewAttempts",
          ConditionExpression: "attribute_exists(ticketId)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":resolved": "resolved",
            ":now": now.toISOString(),
            ":due": REVIEW_DUE,
          },
        }),
      );
    },

    async listByStatus(status, limit = 100) {
      const { Items } = await doc.send(
        new QueryCommand({
          TableName: tableName,
          ...newestByStatus(status, limit),
        }),
      );
      return mapWithConcurrency((Items ?? []) as StoredTicket[], LIST_CONCURRENCY, withTranscript);
    },
  };
}

function turnOf(item: Record<string, unknown>): Turn {
  const { role, text, at, omittedBytes, agent, suggestion, delivery } = item as unknown as Turn;
  return {
    role,
    text,
    at,
    ...(omittedBytes ? { omittedBytes } : {}),
    ...(agent ? { agent } : {}),
    ...(suggestion ? { suggestion } : {}),
    ...(delivery ? { delivery } : {}),
  };
}

/** A short, fixed-length sort-key suffix for any id (e-mail Message-IDs can be long). */
function digest(id: string): string {
  return createHash("sha256").update(id).digest("base64url").slice(0, 22);
}
