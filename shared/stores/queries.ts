import type { QueryCommandInput } from "@aws-sdk/lib-dynamodb";

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
