import { type DynamoDBDocumentClient, paginateQuery, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";

/**
 * A query of a table's `byStatus` index (partition: status, sort: a time): the items in that status,
 * newest first, at most `limit`. The tickets and the pending changes are listed this way.
 */
export function newestByStatus(
  status: string,
  limit: number,
): Pick<
  QueryCommandInput,
  | "IndexName"
  | "KeyConditionExpression"
  | "ExpressionAttributeNames"
  | "ExpressionAttributeValues"
  | "ScanIndexForward"
  | "Limit"
> {
  return {
    IndexName: "byStatus",
    KeyConditionExpression: "#status = :status",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":status": status },
    ScanIndexForward: false,
    Limit: limit,
  };
}

/**
 * Every item of one day's partition of a table keyed by `day` (YYYY-MM-DD), page after page to the end
 * (a day can pass DynamoDB's 1 MB page). The analytics counters, the inspection audit and the QA reviews
 * are read this way.
 */
export async function* dayItems(
  doc: DynamoDBDocumentClient,
  tableName: string,
  day: string,
): AsyncGenerator<Record<string, unknown>> {
  const pages = paginateQuery(
    { client: doc },
    {
      TableName: tableName,
      KeyConditionExpression: "#day = :day",
      ExpressionAttributeNames: { "#day": "day" },
      ExpressionAttributeValues: { ":day": day },
    },
  );
  for await (const page of pages) yield* page.Items ?? [];
}
