import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type { TableName } from "../../shared/resources";
import type { KefuFunction, KefuFunctionProps } from "./kefu-function";

/** The DynamoDB API operations Kefu's code calls; each is authorised by the IAM action of the same name. */
export type TableOperation = "GetItem" | "PutItem" | "UpdateItem" | "Query" | "BatchWriteItem";

export type TableAccess = Partial<Record<TableName, readonly TableOperation[]>>;

/**
 * What each function's code does to each table, and therefore the whole of its table grants: no
 * `grantReadWriteData` (which adds Scan, BatchGetItem, DeleteItem, DescribeTable, streams…), no table a
 * function does not touch. Derived from the stores the function's code uses:
 *
 * - webhook: dedup claims (conditional PutItem, UpdateItem to mark enqueued or release); in the tokens
 *   table, channel state (SMS opt-outs and continuations, the 微信客服 sync cursor: GetItem/PutItem) and
 *   the shared access tokens the 微信客服 pull needs (GetItem, UpdateItem for the refresh lease);
 * - worker: conversations (GetItem, conditional PutItem), tickets (PutItem, GetItem, UpdateItem to append
 *   and resolve), a ticket's later turns (PutItem, Query: a retried turn is filed once), the outbox of
 *   replies per inbound message (GetItem, PutItem as each part is sent), tokens (as the webhook: access tokens of every platform it replies on, opt-outs,
 *   continuations), the FAQ (GetItem of the version stamp, Query of the entries). No dedup: the webhook
 *   alone claims deliveries; the worker's redelivery guard is on the conversation;
 * - ingest: the FAQ (Query, GetItem, UpdateItem of the `#meta` lease/version, BatchWriteItem of entries);
 * - sns-ingress (e-mail and SMS through their topics): dedup claims as the webhook; in the tokens table,
 *   SMS opt-outs and continuations (GetItem, PutItem). No access tokens: SES and End User Messaging
 *   deliver everything in the notification.
 * - desk-api: tickets (GetItem, conditional UpdateItem to claim, assign, transfer, resolve, mark read and
 *   hold the reply lease; Query of the indexes is granted beside, infra/constructs/desk.ts), their turns
 *   (PutItem, Query), the outbox of agents' replies (PutItem), tokens (the channels' access tokens and
 *   SMS opt-outs, as the worker), the FAQ (GetItem of the version, Query of the entries; restore reads
 *   the version history).
 *
 * BatchWriteItem is authorised by `dynamodb:BatchWriteItem` alone, whatever puts and deletes it carries.
 * test/integration/table-grants.test.ts runs each function's code against DynamoDB Local through an
 * endpoint that refuses whatever the synthesised policy does not allow, so a missing entry here fails
 * that test instead of production.
 */
export const TABLE_ACCESS = {
  webhook: {
    dedup: ["PutItem", "UpdateItem"],
    tokens: ["GetItem", "PutItem", "UpdateItem"],
  },
  worker: {
    conversations: ["GetItem", "PutItem"],
    tickets: ["GetItem", "PutItem", "UpdateItem"],
    ticketTurns: ["PutItem", "Query"],
    outbox: ["GetItem", "PutItem"],
    tokens: ["GetItem", "PutItem", "UpdateItem"],
    faq: ["GetItem", "Query"],
  },
  ingest: {
    faq: ["GetItem", "Query", "UpdateItem", "BatchWriteItem"],
  },
  "sns-ingress": {
    dedup: ["PutItem", "UpdateItem"],
    tokens: ["GetItem", "PutItem"],
  },
  "desk-api": {
    tickets: ["GetItem", "UpdateItem"],
    ticketTurns: ["PutItem", "Query"],
    outbox: ["PutItem"],
    tokens: ["GetItem", "PutItem", "UpdateItem"],
    faq: ["GetItem", "Query"],
  },
} as const satisfies Record<KefuFunctionProps["entry"], TableAccess>;

/** One statement per table: the listed actions on the table itself (no index is queried by a function). */
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
