import type { AwsJsonCall, AwsJsonClientOptions } from "./aws-json";
import { AwsServiceError, awsJsonClient } from "./aws-json";

/**
 * DynamoDB's GetItem, PutItem and UpdateItem over the signed-fetch client, taking and returning plain
 * values as the SDK's document client does (`removeUndefinedValues`, numbers as numbers), for the
 * webhook's stores (stores.ts). Only what JSON holds is marshalled: strings, numbers, booleans, null,
 * lists and maps, which is all the stores write.
 */
export type Value =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly Value[]
  | { [key: string]: Value };
type Item = Record<string, Value>;
type AttributeValue = Record<string, unknown>;

export interface GetInput {
  TableName: string;
  Key: Item;
  ConsistentRead?: boolean;
}

interface Conditional {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
  ReturnValuesOnConditionCheckFailure?: "ALL_OLD" | "NONE";
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
  put(input: PutInput): Promise<void>;
  update(input: UpdateInput): Promise<void>;
}

/** A value DynamoDB holds that the webhook's stores never write (a set, binary). */
export class UnsupportedAttributeError extends Error {
  readonly code = "unsupported_attribute";
  constructor(type: string) {
    super(`a DynamoDB attribute of type ${type} cannot be read here`);
    this.name = "UnsupportedAttributeError";
  }
}

export const DYNAMODB = {
  service: "dynamodb",
  targetPrefix: "DynamoDB_20120810",
  jsonVersion: "1.0",
} as const;

export function dynamoDbTable(options: AwsJsonClientOptions): DocumentTable {
  return documentTable(awsJsonClient(DYNAMODB, options));
}

export function documentTable(call: AwsJsonCall): DocumentTable {
  return {
    async get(input) {
      const { Item } = await call<{ Item?: Record<string, AttributeValue> }>("GetItem", {
        ...input,
        Key: marshallItem(input.Key),
      });
      return Item ? { Item: unmarshallItem(Item) } : {};
    },
    async put(input) {
      await call("PutItem", { ...conditional(input), Item: marshallItem(input.Item) });
    },
    async update(input) {
      await call("UpdateItem", { ...conditional(input), Key: marshallItem(input.Key) });
    },
  };
}

/** Whether a write failed its condition (DynamoDB's ConditionalCheckFailedException). */
export function isConditionFailure(error: unknown): error is AwsServiceError {
  return error instanceof AwsServiceError && error.name === "ConditionalCheckFailedException";
}

/** The item a write that failed its condition found, when it asked for it (ALL_OLD). */
export function failedConditionItem(error: AwsServiceError): Record<string, unknown> | undefined {
  const item = error.body.Item;
  return typeof item === "object" && item !== null
    ? unmarshallItem(item as Record<string, AttributeValue>)
    : undefined;
}

function conditional<T extends Conditional>(input: T) {
  const { ExpressionAttributeValues: values, ...rest } = input;
  return values ? { ...rest, ExpressionAttributeValues: marshallItem(values) } : rest;
}

export function marshallItem(item: Item): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(item)) {
    if (value !== undefined) out[key] = marshall(value);
  }
  return out;
}

function marshall(value: Exclude<Value, undefined>): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("DynamoDB holds no NaN or Infinity");
    return { N: String(value) };
  }
  if (typeof value === "boolean") return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map((v) => (v === undefined ? { NULL: true } : marshall(v))) };
  return { M: marshallItem(value as Item) };
}

export function unmarshallItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([key, value]) => [key, unmarshall(value)]));
}

function unmarshall(value: AttributeValue): unknown {
  if ("S" in value) return value.S;
  if ("N" in value) return Number(value.N);
  if ("BOOL" in value) return value.BOOL;
  if ("NULL" in value) return null;
  if ("L" in value) return (value.L as AttributeValue[]).map(unmarshall);
  if ("M" in value) return unmarshallItem(value.M as Record<string, AttributeValue>);
  throw new UnsupportedAttributeError(Object.keys(value)[0] ?? "unknown");
}
