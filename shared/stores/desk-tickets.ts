import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mapWithConcurrency } from "../core/concurrency";
import { type DeskTicket, type DeskTicketStore, TicketConflictError } from "../core/desk/desk";
import type { Ticket } from "../core/ticket";
import { newestByStatus } from "./queries";
import { unlessConditionFails } from "./table";
import { createTicketStore } from "./tickets";

/** Tickets read at once when a list is shown (each with its turns). */
const LIST_CONCURRENCY = 8;
/** Attribute names of the read markers: one top-level attribute per agent, set in one update. */
const READ_PREFIX = "read#";

/**
 * The tickets table as the agents' desk uses it: the worker's ticket store, plus assignment, transfers,
 * read markers and the per-ticket reply lease, each one conditional write on the ticket item.
 */
export function createDeskTicketStore(
  doc: DynamoDBDocumentClient,
  tableName: string,
  turnsTableName: string,
): DeskTicketStore {
  const base = createTicketStore(doc, tableName, turnsTableName);

  async function query(input: Omit<QueryCommandInput, "TableName">): Promise<DeskTicket[]> {
    const { Items = [] } = await doc.send(new QueryCommand({ TableName: tableName, ...input }));
    const tickets = await mapWithConcurrency(Items, LIST_CONCURRENCY, (item) =>
      base.get(String(item.ticketId)),
    );
    return tickets.filter((t): t is Ticket => t !== undefined).map(deskTicket);
  }

  const byStatus = (status: string, limit: number) => query(newestByStatus(status, limit));

  /** An update that holds only while the ticket is not resolved; TicketConflictError otherwise. */
  async function updateUnresolved(
    ticketId: string,
    update: Pick<UpdateCommand["input"], "UpdateExpression" | "ExpressionAttributeValues"> & {
      ExpressionAttributeNames?: Record<string, string>;
      extraCondition?: string;
    },
    conflict: (current: DeskTicket | undefined) => TicketConflictError,
  ): Promise<void> {
    const { extraCondition, ...rest } = update;
    const written = await unlessConditionFails(
      doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { ticketId },
          ...rest,
          ConditionExpression: `attribute_exists(ticketId) AND #status <> :resolved${extraCondition ? ` AND (${extraCondition})` : ""}`,
          ExpressionAttributeNames: { "#status": "status", ...rest.ExpressionAttributeNames },
          ExpressionAttributeValues: { ":resolved": "resolved", ...rest.ExpressionAttributeValues },
        }),
      ),
    );
    if (!written) throw conflict(await store.get(ticketId));
  }

  const resolvedOr = (code: "already_claimed") => (ticketId: string) => (current: DeskTicket | undefined) =>
    new TicketConflictError(current?.status === "resolved" ? "ticket_resolved" : code, ticketId);
  const resolvedConflict = (ticketId: string) => () => new TicketConflictError("ticket_resolved", ticketId);

  const store: DeskTicketStore = {
    ...base,
    async get(ticketId) {
      const ticket = await base.get(ticketId);
      return ticket ? deskTicket(ticket) : undefined;
    },

    async listUnresolved(limit = 200) {
      const [open, assigned] = await Promise.all([byStatus("open", limit), byStatus("assigned", limit)]);
      return [...open, ...assigned];
    },

    listResolved: (limit = 50) => byStatus("resolved", limit),

    listByConversation: (conversationKey, limit = 20) =>
      query({
        IndexName: "byConversation",
        KeyConditionExpression: "conversationKey = :key",
        ExpressionAttributeValues: { ":key": conversationKey },
        ScanIndexForward: false,
        Limit: limit,
      }),

    claim: (ticketId, agent, now) =>
      updateUnresolved(
        ticketId,
        {
          UpdateExpression: "SET assignee = :agent, #status = :assigned, updatedAt = :now",
          ExpressionAttributeValues: { ":agent": agent, ":assigned": "assigned", ":now": now.toISOString() },
          extraCondition: "attribute_not_exists(assignee) OR assignee = :agent",
        },
        resolvedOr("already_claimed")(ticketId),
      ),

    assign: (ticketId, agent, now) =>
      updateUnresolved(
        ticketId,
        {
          UpdateExpression: "SET assignee = :agent, #status = :assigned, updatedAt = :now",
          ExpressionAttributeValues: { ":agent": agent, ":assigned": "assigned", ":now": now.toISOString() },
        },
        resolvedConflict(ticketId),
      ),

    transfer: (ticketId, skill, now) =>
      updateUnresolved(
        ticketId,
        {
          UpdateExpression: "SET skills = :skills, #status = :open, updatedAt = :now REMOVE assignee",
          ExpressionAttributeValues: { ":skills": [skill], ":open": "open", ":now": now.toISOString() },
        },
        resolvedConflict(ticketId),
      ),

    async reopen(ticketId, agent, now) {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { ticketId },
          UpdateExpression:
            "SET #status = :assigned, assignee = :agent, reopenedAt = :now, updatedAt = :now REMOVE resolvedAt",
          ConditionExpression: "attribute_exists(ticketId)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":assigned": "assigned", ":agent": agent, ":now": now.toISOString() },
        }),
      );
    },

    async markRead(ticketId, agent, now) {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { ticketId },
          UpdateExpression: "SET #read = :now",
          ConditionExpression: "attribute_exists(ticketId)",
          ExpressionAttributeNames: { "#read": `${READ_PREFIX}${agent}` },
          ExpressionAttributeValues: { ":now": now.toISOString() },
        }),
      );
    },

    acquireReplyLease(ticketId, token, now, ttlMs) {
      return unlessConditionFails(
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { ticketId },
            UpdateExpression: "SET replyLease = :token, replyLeaseUntil = :until",
            ConditionExpression:
              "attribute_exists(ticketId) AND (attribute_not_exists(replyLease) OR replyLease = :token OR replyLeaseUntil < :now)",
            ExpressionAttributeValues: {
              ":token": token,
              ":until": now.getTime() + ttlMs,
              ":now": now.getTime(),
            },
          }),
        ),
      );
    },

    async releaseReplyLease(ticketId, token) {
      // A failed condition: the lease expired and the next reply took it; it is theirs now.
      await unlessConditionFails(
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { ticketId },
            UpdateExpression: "REMOVE replyLease, replyLeaseUntil",
            ConditionExpression: "replyLease = :token",
            ExpressionAttributeValues: { ":token": token },
          }),
        ),
      );
    },
  };
  return store;
}

/** The stored item's desk fields, typed: read markers gathered, the lease left out. */
function deskTicket(ticket: Ticket): DeskTicket {
  const readAt: Record<string, string> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(ticket)) {
    if (key.startsWith(READ_PREFIX)) readAt[key.slice(READ_PREFIX.length)] = String(value);
    else if (key !== "replyLease" && key !== "replyLeaseUntil") rest[key] = value;
  }
  return { ...(rest as unknown as Ticket), readAt };
}
