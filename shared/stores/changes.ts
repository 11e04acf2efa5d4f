import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ChangeStore, PendingChange } from "../kb/teach";
import { newestByStatus } from "./queries";
import { unlessConditionFails } from "./table";

/** The changes table: one item per taught change, listed by status (byStatus index). */
export function createChangeStore(doc: DynamoDBDocumentClient, tableName: string): ChangeStore {
  return {
    async create(change) {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: change,
          ConditionExpression: "attribute_not_exists(id)",
        }),
      );
    },
    async get(id) {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: { id }, ConsistentRead: true }),
      );
      return Item as PendingChange | undefined;
    },
    async list(status, limit = 200) {
      const { Items = [] } = await doc.send(
        new QueryCommand({
          TableName: tableName,
          ...newestByStatus(status, limit),
        }),
      );
      return Items as PendingChange[];
    },
    decide(id, decision) {
      return unlessConditionFails(
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { id },
            UpdateExpression: `SET #status = :status, decidedBy = :by, decidedAt = :at${decision.note ? ", note = :note" : ""}${decision.upload ? ", upload = :upload" : ""}`,
            ConditionExpression: "#status = :pending",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":status": decision.status,
              ":by": decision.by,
              ":at": decision.at.toISOString(),
              ":pending": "pending",
              ...(decision.note ? { ":note": decision.note } : {}),
              ...(decision.upload ? { ":upload": decision.upload } : {}),
            },
          }),
        ),
      );
    },
  };
}
