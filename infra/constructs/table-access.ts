import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type { TableName } from "../../shared/resources";
import type { KefuFunction, KefuFunctionProps } from "./kefu-function";

/** The DynamoDB API operations Kefu's code calls; each is authorised by the IAM action of the same name. */
export type TableOperation = "GetItem" | "PutItem" | "UpdateItem" | "Query" | "Scan" | "BatchWriteItem";

export type TableAccess = Partial<Record<TableName, readonly TableOperation[]>>;

/**
 * What each function's code does to each table, and therefore the whole of its table grants: no
 * `grantReadWriteData` (which adds Scan, BatchGetItem, DeleteItem, DescribeTable, streams…), no table a
 * function does not touch. Derived from the stores the function's code uses:
 *
 * - webhook: in the tokens table, channel state (SMS opt-outs and continuations, the 微信客服 sync
 *   cursor: GetItem/PutItem) and the shared access tokens the 微信客服 pull needs (GetItem, UpdateItem
 *   for the refresh lease). Repeated deliveries are dropped by the FIFO queue, not by a table;
 * - worker: conversations (GetItem, conditional PutItem), tickets (PutItem, GetItem, UpdateItem to append
 *   and resolve), a ticket's later turns (PutItem, Query: a retried turn is filed once), the outbox of
 *   replies per inbound message (GetItem, PutItem as each part is sent), tokens (as the webhook: access tokens of every platform it replies on, opt-outs,
 *   continuations), the FAQ (GetItem of the version stamp, Query of the entries). Repeated deliveries are
 *   dropped by the FIFO queue; the worker's redelivery guard is on the conversation and the outbox;
 *   Routing at the hand-off reads the agents (Scan: a team is small and is ranked whole) and takes a
 *   slot on one agent's load counter (conditional UpdateItem); a rating or a reopen updates the ticket;
 * - sla: the tickets' SLA index (Query), the breach and clock updates (UpdateItem), a system turn
 *   (ticketTurns PutItem), the agents (Scan, UpdateItem) to offer waiting tickets again, the tickets'
 *   status index (Query) for those, and the alert id key (tokens UpdateItem); the QA review reads the
 *   tickets' byReviewDue index (Query), takes a ticket off it (UpdateItem), reads the FAQ (GetItem of
 *   the version, Query of the entries) and writes the review (reviews PutItem). Granted whether or not
 *   KEFU_QA_REVIEW is on: the tables hold nothing a model could reach; Bedrock is granted only when on;
 * - ingest: the FAQ (Query, GetItem, UpdateItem of the `#meta` lease/version, BatchWriteItem of entries);
 * - sns-ingress (e-mail and SMS through their topics): in the tokens table, SMS opt-outs and
 *   continuations (GetItem, PutItem). No access tokens: SES and End User Messaging
 *   deliver everything in the notification.
 * - desk-api: tickets (GetItem, conditional UpdateItem to claim, assign, transfer, resolve, mark read and
 *   hold the reply lease; Query of the indexes is granted beside, infra/constructs/desk.ts), their turns
 *   (PutItem, Query), the outbox of agents' replies (PutItem), tokens (the channels' access tokens and
 *   SMS opt-outs, as the worker), the FAQ (GetItem of the version, Query of the entries; restore reads
 *   the version history), the agents (GetItem for /me, Scan to list them, UpdateItem for settings,
 *   status and the load counter a claim, transfer or resolve moves), the taught changes (PutItem once,
 *   GetItem, UpdateItem to decide once; the pending ones by the byStatus index, INDEX_ACCESS), the
 *   inspection audit trail (PutItem of each reply's inspection, Query of a day for the quality report),
 *   the analytics counters (UpdateItem as agents reply and resolve; Query of a day for the reports page),
 *   the clarify picks (Query of a day for the suggestions, UpdateItem to mark those decided on);
 * - worker: the clarify picks too (PutItem of each pick answered, conditional: written once);
 * - worker and desk-api both record each message's quality inspection (inspections PutItem).
 *
 * BatchWriteItem is authorised by `dynamodb:BatchWriteItem` alone, whatever puts and deletes it carries.
 * test/integration/table-grants.test.ts runs each function's code against DynamoDB Local through an
 * endpoint that refuses whatever the synthesised policy does not allow, so a missing entry here fails
 * that test instead of production.
 */
export const TABLE_ACCESS = {
  webhook: {
    tokens: ["GetItem", "PutItem", "UpdateItem"],
  },
  worker: {
    conversations: ["GetItem", "PutItem"],
    tickets: ["GetItem", "PutItem", "UpdateItem"],
    ticketTurns: ["PutItem", "Query"],
    outbox: ["GetItem", "PutItem"],
    tokens: ["GetItem", "PutItem", "UpdateItem"],
    faq: ["GetItem", "Query"],
    agents: ["Scan", "UpdateItem"],
    inspections: ["PutItem"],
    analyticsCounters: ["UpdateItem"],
    // A customer's pick of a clarify option, written once (a conditional PutItem).
    picks: ["PutItem"],
  },
  ingest: {
    faq: ["GetItem", "Query", "UpdateItem", "BatchWriteItem"],
  },
  "sns-ingress": {
    tokens: ["GetItem", "PutItem"],
  },
  "desk-api": {
    tickets: ["GetItem", "UpdateItem"],
    ticketTurns: ["PutItem", "Query"],
    outbox: ["PutItem"],
    tokens: ["GetItem", "PutItem", "UpdateItem"],
    faq: ["GetItem", "Query"],
    agents: ["GetItem", "Scan", "UpdateItem"],
    changes: ["GetItem", "PutItem", "UpdateItem"],
    inspections: ["PutItem", "Query"],
    // Agents' replies and resolutions are counted; the reports page reads a day at a time.
    analyticsCounters: ["Query", "UpdateItem"],
    // The QA queue reads the reviews a resolve day at a time.
    reviews: ["Query"],
    // The suggestions read the picks a day at a time and mark those a supervisor decided on.
    picks: ["Query", "UpdateItem"],
  },
  sla: {
    tickets: ["GetItem", "UpdateItem"],
    ticketTurns: ["PutItem", "Query"],
    tokens: ["UpdateItem"],
    agents: ["Scan", "UpdateItem"],
    analyticsCounters: ["UpdateItem"],
    // The QA review: the FAQ's version and entries (the reference answers), one review per ticket.
    faq: ["GetItem", "Query"],
    reviews: ["PutItem"],
  },
} as const satisfies Record<KefuFunctionProps["entry"], TableAccess>;

/**
 * The indexes a function queries (`dynamodb:Query` on `<table>/index/<name>`): the SLA clock reads the
 * tickets due (`bySlaDue`) and those still waiting for an agent (`byStatus`); the desk API lists the
 * taught changes by status.
 */
export const INDEX_ACCESS = {
  sla: { tickets: ["bySlaDue", "byStatus", "byReviewDue"] },
  "desk-api": { changes: ["byStatus"] },
} as const satisfies Partial<
  Record<KefuFunctionProps["entry"], Partial<Record<TableName, readonly string[]>>>
>;

export function grantIndexQueries(
  fn: KefuFunction,
  tables: Record<TableName, dynamodb.ITable>,
  access: Partial<Record<TableName, readonly string[]>>,
): void {
  for (const [name, indexes] of Object.entries(access) as [TableName, readonly string[]][]) {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["dynamodb:Query"],
        resources: indexes.map((index) => `${tables[name].tableArn}/index/${index}`),
      }),
    );
  }
}

/** One statement per table: the listed actions on the table itself (indexes: grantIndexQueries). */
export function grantTableAccess(
  fn: KefuFunction,
  tables: Record<TableName, dynamodb.ITable>,
  access: TableAccess,
): void {
  for (const [name, operations] of Object.entries(access) as [TableName, readonly TableOperation[]][]) {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: operations.map((operation) => `dynamodb:${operation}`),
        resources: [tables[name].tableArn],
      }),
    );
  }
}
