import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type DocumentTable, unlessConditionFails } from "./table";

/** The stores' narrow table (table.ts) over the SDK's document client. */
export function sdkDocumentTable(doc: DynamoDBDocumentClient): DocumentTable {
  return {
    async get(input) {
      const { Item } = await doc.send(new GetCommand(input));
      return Item ? { Item } : {};
    },
    put: (input) => unlessConditionFails(doc.send(new PutCommand(input))),
    update: (input) => unlessConditionFails(doc.send(new UpdateCommand(input))),
  };
}
