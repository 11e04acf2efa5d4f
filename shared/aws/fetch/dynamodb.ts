import {
  type Conditional,
  type DocumentTable,
  type Item,
  unlessConditionFails,
  type Value,
} from "../../stores/table";
import type { AwsJsonCall, AwsJsonClientOptions } from "./aws-json";
import { awsJsonClient } from "./aws-json";

/**
 * DynamoDB's GetItem, PutItem and UpdateItem over the signed-fetch client: the stores' narrow table
 * (shared/stores/table.ts) for the webhook, which carries no AWS SDK v3. It takes and returns plain values
 * as the SDK's document client does (`removeUndefinedValues`, numbers as numbers). Only what JSON holds is
 * marshalled: strings, numbers, booleans, null, lists and maps, which is all the stores write.
 */
type AttributeValue = Record<string, unknown>;

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
    put: (input) =>
      unlessConditionFails(call("PutItem", { ...conditional(input), Item: marshallItem(input.Item) })),
    update: (input) =>
      unlessConditionFails(call("UpdateItem", { ...conditional(input), Key: marshallItem(input.Key) })),
  };
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
