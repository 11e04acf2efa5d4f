import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { TicketDeskStore } from "../core/desk/ports";
import type { Ticket } from "../core/ticket";
import { unlessConditionFails } from "./table";
import { REVIEW_DUE } from "./tickets";

/** The SLA clock's index (tickets table, sparse): tickets with a running deadline, by the next one. */
export const SLA_INDEX = "bySlaDue";
/** The index's partition value, present only while a deadline runs. */
export const SLA_RUNNING = "running";

/**
 * The fields routing, the SLA clock, CSAT and reopening write on the tickets table, each in one
 * conditional UpdateItem. The clock's index attributes (`slaClock`, `slaNextDueAt`) exist only while a
 * deadline runs, so the index holds just the tickets the clock must look at.
 */
export function createTicketDeskStore(doc: DynamoDBDocumentClient, tableName: string): TicketDeskStore {
  const update = (
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], "TableName" | "Key"> & { ticketId: string },
  ) => {
    const { ticketId, ...rest } = input;
    return doc.send(new UpdateCommand({ TableName: tableName, Key: { ticketId }, ...rest }));
  };

  return {
    assign(ticketId, agentId, now) {
      return unlessConditionFails(
        update({
          ticketId,
          UpdateExpression: "SET #status = :assigned, assignee = :agent, updatedAt = :now",
          ConditionExpression: "#status = :open AND attribute_not_exists(assignee)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":assigned": "assigned",
            ":open": "open",
            ":agent": agentId,
            ":now": now.toISOString(),
          },
        }),
      );
    },

    async slaDue(now, limit = 100) {
      const { Items = [] } = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: SLA_INDEX,
          KeyConditionExpression: "slaClock = :running AND slaNextDueAt <= :now",
          ExpressionAttributeValues: { ":running": SLA_RUNNING, ":now": now.toISOString() },
          Limit: limit,
        }),
      );
      // The index's copy may lag the table a moment; the clock re-checks with conditional writes.
      return Items.map((item) => ({ transcript: [], candidates: [], ...item }) as unknown as Ticket);
    },

    recordBreach(ticketId, change, now) {
      const next = change.nextDueAt;
      return unlessConditionFails(
        update({
          ticketId,
          UpdateExpression: `SET sla.breached = list_append(sla.breached, :breached), priority = :priority, updatedAt = :now${
            next ? ", slaNextDueAt = :next" : " REMOVE slaClock, slaNextDueAt"
          }`,
          ConditionExpression: "size(sla.breached) = :before",
          ExpressionAttributeValues: {
            ":breached": change.breached,
            ":priority": change.priority,
            ":now": now.toISOString(),
            ":before": change.breachedBefore,
            ...(next ? { ":next": next } : {}),
          },
        }),
      );
    },

    async moveClock(ticketId, nextDueAt) {
      await update({
        ticketId,
        UpdateExpression: nextDueAt
          ? "SET slaClock = :running, slaNextDueAt = :next"
          : "REMOVE slaClock, slaNextDueAt",
        ConditionExpression: "attribute_exists(ticketId)",
        ...(nextDueAt ? { ExpressionAttributeValues: { ":next": nextDueAt, ":running": SLA_RUNNING } } : {}),
      });
    },

    async recordFirstResponse(ticketId, at) {
      await unlessConditionFails(
        update({
          ticketId,
          UpdateExpression: "SET sla.firstRespondedAt = :at",
          ConditionExpression: "attribute_exists(sla) AND attribute_not_exists(sla.firstRespondedAt)",
          ExpressionAttributeValues: { ":at": at.toISOString() },
        }),
      );
    },

    async markCsatAsked(ticketId, at) {
      await update({
        ticketId,
        UpdateExpression: "SET csatAskedAt = :at",
        ConditionExpression: "attribute_exists(ticketId)",
        ExpressionAttributeValues: { ":at": at.toISOString() },
      });
    },

    recordCsat(ticketId, rating, at) {
      return unlessConditionFails(
        update({
          ticketId,
          // The rating queues the ticket for the QA review again (the sparse byReviewDue index, by its
          // resolve): a review graded before the customer rated is graded again with the rating.
          UpdateExpression: "SET csat = :csat, updatedAt = :at, reviewQueue = :due REMOVE reviewAttempts",
          ConditionExpression: "attribute_exists(ticketId) AND attribute_not_exists(csat)",
          ExpressionAttributeValues: {
            ":csat": { ...rating, at: at.toISOString() },
            ":at": at.toISOString(),
            ":due": REVIEW_DUE,
          },
        }),
      );
    },

    reopen(ticketId, assignee, now, resolutionDueAt) {
      const sets = ["#status = :status", "reopenedAt = :now", "updatedAt = :now"];
      if (assignee) sets.push("assignee = :agent");
      if (resolutionDueAt) {
        sets.push("sla.resolutionDueAt = :due", "slaClock = :running", "slaNextDueAt = :due");
      }
      return unlessConditionFails(
        update({
          ticketId,
          UpdateExpression: `SET ${sets.join(", ")}${assignee ? "" : " REMOVE assignee"}`,
          ConditionExpression: `#status = :resolved${resolutionDueAt ? " AND attribute_exists(sla)" : ""}`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":status": assignee ? "assigned" : "open",
            ":resolved": "resolved",
            ":now": now.toISOString(),
            ...(assignee ? { ":agent": assignee } : {}),
            ...(resolutionDueAt ? { ":due": resolutionDueAt, ":running": SLA_RUNNING } : {}),
          },
        }),
      );
    },
  };
}
