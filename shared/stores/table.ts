/**
 * The narrow table the stores of one item per key are written against (tokens.ts, channel-state.ts):
 * GetItem, PutItem and UpdateItem with plain, document-shaped values, as the SDK's document client takes
 * them. Two implementations: the SDK's (sdk-table.ts), for every function but the webhook, and signed
 * fetch (shared/aws/fetch/dynamodb.ts), for the webhook, whose bundle carries no AWS SDK v3 (issue 10).
 * So each store's items, conditions and TTLs are written once.
 */
export type Value =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly Value[]
  | { [key: string]: Value };
export type Item = Record<string, Value>;

export interface GetInput {
  TableName: string;
  Key: Item;
  ConsistentRead?: boolean;
}

export interface Conditional {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

export interface PutInput extends Conditional {
  TableName: string;
  Item: Item;
}

export interface UpdateInput extends Conditional {
  TableName: string;
  Key: Item;
  UpdateExpression: string;
}

export interface DocumentTable {
  get(input: GetInput): Promise<{ Item?: Record<string, unknown> }>;
  /** Resolves to false when the write's ConditionExpression did not hold (a lost race, not an error). */
  put(input: PutInput): Promise<boolean>;
  /** Resolves to false when the write's ConditionExpression did not hold (a lost race, not an error). */
  update(input: UpdateInput): Promise<boolean>;
}

/**
 * Whether a write failed its condition: DynamoDB's ConditionalCheckFailedException, by name, which both
 * the SDK's exception and the signed-fetch client's AwsServiceError carry (an `instanceof` would miss a
 * second copy of the SDK class in a bundle).
 */
export const isConditionFailure = (error: unknown): boolean =>
  (error as { name?: unknown } | null)?.name === "ConditionalCheckFailedException";

/** Runs a conditional write: false when its condition did not hold. */
export async function unlessConditionFails(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
