import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createFaqRepository,
  decodeVectors,
  encodeVectors,
  LeaseLostError,
} from "../../../shared/stores/faq";

const ddb = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));
const repo = createFaqRepository(doc, "faq-table");

beforeEach(() => ddb.reset());

const conditionFailed = () => new ConditionalCheckFailedException({ message: "failed", $metadata: {} });

describe("vectors", () => {
  it("round-trip through the compact binary encoding", () => {
    const values = [new Float32Array([0.5, -1.25, 3]), new Float32Array([1e-7, 0, -0])];
    const bytes = encodeVectors(values);
    expect(bytes.byteLength).toBe(2 * 3 * 4);
    expect(decodeVectors(bytes, 3)).toEqual(values);
  });

  it("refuse vectors of different sizes", () => {
    expect(() => encodeVectors([new Float32Array(3), new Float32Array(2)])).toThrow(/dimensions/);
  });
});

describe("currentVersion", () => {
  it("reads the #meta item's stamp, and undefined for a new knowledge base", async () => {
    ddb.on(GetCommand, { Key: { kb: "default", id: "#meta" } }).resolves({ Item: { version: "v1" } });
    expect(await repo.currentVersion("default")).toBe("v1");
    ddb.on(GetCommand, { Key: { kb: "new", id: "#meta" } }).resolves({});
    expect(await repo.currentVersion("new")).toBeUndefined();
  });
});

describe("loadEntries", () => {
  it("follows pagination, takes the version from #meta and decodes vectors", async () => {
    const vec = encodeVectors([new Float32Array([1, 2]), new Float32Array([3, 4])]);
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [
          { kb: "default", id: "#meta", version: "v7" },
          {
            kb: "default",
            id: "a",
            question: "q",
            answer: "x",
            similarQuestions: ["q2"],
            contentHash: "h",
            updatedAt: "t",
            vec,
            vecModel: "m",
            vecDims: 2,
          },
        ],
        LastEvaluatedKey: { kb: "default", id: "a" },
      })
      .resolvesOnce({
        Items: [
          {
            kb: "default",
            id: "b",
            question: "q",
            answer: "y",
            similarQuestions: [],
            category: "c",
            translationOf: "a",
            contentHash: "h2",
            updatedAt: "t",
          },
        ],
      });
    const { version, entries } = await repo.loadEntries("default");
    expect(version).toBe("v7");
    expect(entries.map((e) => e.id)).toEqual(["a", "b"]);
    expect(entries[0]?.vectors).toEqual({
      modelId: "m",
      values: [new Float32Array([1, 2]), new Float32Array([3, 4])],
    });
    expect(entries[1]?.category).toBe("c");
    expect(entries[1]?.translationOf).toBe("a");
    expect(entries[0]?.translationOf).toBeUndefined();
    const calls = ddb.commandCalls(QueryCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.ExclusiveStartKey).toEqual({ kb: "default", id: "a" });
  });
});

describe("putEntries", () => {
  it("writes in batches of 25 and retries unprocessed items", async () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({
      id: `e${i}`,
      question: "q",
      answer: "a",
      similarQuestions: [],
      contentHash: "h",
      updatedAt: "t",
      vectors: { modelId: "m", values: [new Float32Array([1])] },
      ...(i === 0 ? { translationOf: "zh-e0" } : {}),
    }));
    let first = true;
    ddb.on(BatchWriteCommand).callsFake((input) => {
      const items = input.RequestItems["faq-table"];
      if (first) {
        first = false;
        return { UnprocessedItems: { "faq-table": items.slice(0, 2) } };
      }
      return {};
    });
    await repo.putEntries("default", entries);
    const sizes = ddb
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems?.["faq-table"]?.length);
    expect(sizes).toEqual([25, 2, 5]);
    const item =
      ddb.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.["faq-table"]?.[0]?.PutRequest
        ?.Item;
    expect(item).toMatchObject({
      kb: "default",
      id: "e0",
      vecModel: "m",
      vecDims: 1,
      translationOf: "zh-e0",
    });
    expect(item?.vec).toBeInstanceOf(Uint8Array);
  });
});

describe("the import lease", () => {
  it("is refused while another import holds it", async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    expect(await repo.acquireLease("default", "v2", 1000, 60_000)).toBe(false);
    const input = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toContain("lease.expiresAt < :now");
    expect(input?.ExpressionAttributeValues).toMatchObject({ ":lease": { owner: "v2", expiresAt: 61_000 } });
  });

  it("guards the version commit: a lost lease cannot commit", async () => {
    ddb.on(GetCommand).resolves({ Item: { version: "v1", history: [] } });
    ddb.on(UpdateCommand).rejects(conditionFailed());
    await expect(
      repo.commitVersion("default", "v2", {
        version: "v2",
        at: "t",
        upload: "u",
        entryCount: 1,
        snapshotKey: "s",
      }),
    ).rejects.toBeInstanceOf(LeaseLostError);
  });

  it("hands back the queued uploads on release", async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { queued: new Set(["uploads/b.csv"]) } });
    expect(await repo.releaseLease("default", "v2")).toEqual(["uploads/b.csv"]);
  });
});
