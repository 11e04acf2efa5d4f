import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { EntryState, FaqMeta, FaqPending, FaqRepository, FaqVersionRecord } from "../kb/import/ports";
import type { StoredFaqEntry } from "../kb/knowledge";
import { unlessConditionFails } from "./table";

/**
 * The FAQ table. Partition `kb` (knowledge base), sort key `id`. Entry items use the admin's id;
 * `#meta` (ids starting with `#` are refused at import) carries the current version stamp — one cheap
 * GetItem for workers polling for changes — plus version history, the import lease, an in-progress
 * import's checkpoint, and uploads queued behind it.
 *
 * Vectors live on the entry item as one binary attribute (float32 little-endian, one vector per
 * phrasing, question first): 51 phrasings × 1024 dims × 4 B ≈ 209 KB, under the 400 KB item limit
 * with the text, and loaded in the same query as the text.
 */

export const META_ID = "#meta";
const HISTORY_KEPT = 20;

export class FaqStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FaqStoreError";
  }
}

export function createFaqRepository(doc: DynamoDBDocumentClient, tableName: string): FaqRepository {
  const metaKey = (kb: string) => ({ kb, id: META_ID });

  async function queryAll(kb: string, projection?: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "kb = :kb",
          ExpressionAttributeValues: { ":kb": kb },
          ...(projection
            ? {
                ProjectionExpression: projection
                  .split(",")
                  .map((a) => `#${a}`)
                  .join(","),
                ExpressionAttributeNames: Object.fromEntries(projection.split(",").map((a) => [`#${a}`, a])),
              }
            : {}),
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async function batchWrite(requests: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      let pending = requests.slice(i, i + 25);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 8) throw new FaqStoreError(`${pending.length} writes still unprocessed after retries`);
        if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** attempt));
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (out.UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
      }
    }
  }

  return {
    async currentVersion(kb) {
      const out = await doc.send(
        new GetCommand({ TableName: tableName, Key: metaKey(kb), ProjectionExpression: "version" }),
      );
      return out.Item?.version as string | undefined;
    },

    async loadEntries(kb, options = {}) {
      const projection =
        options.vectors === false
          ? "id,question,answer,similarQuestions,category,outOfScope,translationOf,contentHash,updatedAt,version"
          : undefined;
      const items = await queryAll(kb, projection);
      let version = "";
      const entries: StoredFaqEntry[] = [];
      for (const item of items) {
        if (item.id === META_ID) version = (item.version as string | undefined) ?? "";
        else if (!String(item.id).startsWith("#")) entries.push(fromItem(item));
      }
      return { version, entries };
    },

    async getMeta(kb) {
      const out = await doc.send(
        new GetCommand({ TableName: tableName, Key: metaKey(kb), ConsistentRead: true }),
      );
      const item = out.Item ?? {};
      return {
        version: item.version as string | undefined,
        updatedAt: item.updatedAt as string | undefined,
        history: (item.history as FaqVersionRecord[] | undefined) ?? [],
        lease: item.lease as FaqMeta["lease"],
        pending: item.pending as FaqPending | undefined,
        queued: item.queued ? [...(item.queued as Set<string>)] : [],
      };
    },

    async entryStates(kb) {
      const items = await queryAll(kb, "id,contentHash,vecModel,version");
      const states = new Map<string, EntryState>();
      for (const item of items) {
        const id = String(item.id);
        if (id.startsWith("#")) continue;
        states.set(id, {
          contentHash: String(item.contentHash ?? ""),
          ...(item.vecModel ? { modelId: String(item.vecModel) } : {}),
          ...(item.version ? { version: String(item.version) } : {}),
        });
      }
      return states;
    },

    async putEntries(kb, entries) {
      await batchWrite(entries.map((e) => ({ PutRequest: { Item: toItem(kb, e) } })));
    },

    async deleteEntries(kb, ids) {
      await batchWrite(ids.map((id) => ({ DeleteRequest: { Key: { kb, id } } })));
    },

    acquireLease(kb, owner, nowMs, ttlMs) {
      return unlessConditionFails(
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: metaKey(kb),
            UpdateExpression: "SET lease = :lease",
            ConditionExpression:
              "attribute_not_exists(lease) OR lease.expiresAt < :now OR lease.#owner = :owner",
            ExpressionAttributeNames: { "#owner": "owner" },
            ExpressionAttributeValues: {
              ":lease": { owner, expiresAt: nowMs + ttlMs },
              ":now": nowMs,
              ":owner": owner,
            },
          }),
        ),
      );
    },

    async savePending(kb, owner, pending, leaseExpiresAt) {
      await ownerUpdate(kb, owner, "SET pending = :p, lease.expiresAt = :exp", {
        ":p": pending,
        ":exp": leaseExpiresAt,
      });
    },

    async commitVersion(kb, owner, record) {
      const meta = await this.getMeta(kb);
      const history = [record, ...meta.history.filter((h) => h.version !== record.version)].slice(
        0,
        HISTORY_KEPT,
      );
      await ownerUpdate(kb, owner, "SET version = :v, updatedAt = :at, history = :h", {
        ":v": record.version,
        ":at": record.at,
        ":h": history,
      });
    },

    async releaseLease(kb, owner) {
      try {
        const out = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: metaKey(kb),
            UpdateExpression: "REMOVE lease, pending, queued",
            ConditionExpression: "lease.#owner = :owner",
            ExpressionAttributeNames: { "#owner": "owner" },
            ExpressionAttributeValues: { ":owner": owner },
            ReturnValues: "ALL_OLD",
          }),
        );
        const queued = out.Attributes?.queued as Set<string> | undefined;
        return queued ? [...queued] : [];
      } catch (err) {
        // Someone took over an expired lease: nothing of ours left to release.
        if ((err as Error).name === "ConditionalCheckFailedException") return [];
        throw err;
      }
    },

    async enqueue(kb, uploadKey) {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: metaKey(kb),
          UpdateExpression: "ADD queued :k",
          ExpressionAttributeValues: { ":k": new Set([uploadKey]) },
        }),
      );
    },
  };

  async function ownerUpdate(
    kb: string,
    owner: string,
    expression: string,
    values: Record<string, unknown>,
  ): Promise<void> {
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: metaKey(kb),
          UpdateExpression: expression,
          ConditionExpression: "lease.#owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ...values, ":owner": owner },
        }),
      );
    } catch (err) {
      if ((err as Error).name === "ConditionalCheckFailedException") {
        throw new LeaseLostError(`import ${owner} no longer holds the lease on knowledge base ${kb}`, {
          cause: err,
        });
      }
      throw err;
    }
  }
}

/** Another import took over this knowledge base (our lease expired): stop without committing. */
export class LeaseLostError extends FaqStoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LeaseLostError";
  }
}

function toItem(kb: string, e: StoredFaqEntry): Record<string, unknown> {
  return {
    kb,
    id: e.id,
    question: e.question,
    answer: e.answer,
    similarQuestions: e.similarQuestions,
    ...(e.category ? { category: e.category } : {}),
    ...(e.outOfScope ? { outOfScope: true } : {}),
    ...(e.translationOf ? { translationOf: e.translationOf } : {}),
    contentHash: e.contentHash,
    updatedAt: e.updatedAt,
    ...(e.version ? { version: e.version } : {}),
    ...(e.vectors && e.vectors.values.length > 0
      ? {
          vecModel: e.vectors.modelId,
          vecDims: e.vectors.values[0]?.length ?? 0,
          vec: encodeVectors(e.vectors.values),
        }
      : {}),
  };
}

function fromItem(item: Record<string, unknown>): StoredFaqEntry {
  const entry: StoredFaqEntry = {
    id: String(item.id),
    question: String(item.question ?? ""),
    answer: String(item.answer ?? ""),
    similarQuestions: (item.similarQuestions as string[] | undefined) ?? [],
    contentHash: String(item.contentHash ?? ""),
    updatedAt: String(item.updatedAt ?? ""),
  };
  if (item.category) entry.category = String(item.category);
  if (item.outOfScope === true) entry.outOfScope = true;
  if (item.translationOf) entry.translationOf = String(item.translationOf);
  if (item.version) entry.version = String(item.version);
  if (item.vec && item.vecModel && item.vecDims) {
    entry.vectors = {
      modelId: String(item.vecModel),
      values: decodeVectors(item.vec as Uint8Array, Number(item.vecDims)),
    };
  }
  return entry;
}

/** Float32 little-endian, concatenated: a quarter of the size of a number list and one attribute. */
export function encodeVectors(values: Float32Array[]): Uint8Array {
  const dims = values[0]?.length ?? 0;
  const out = new Uint8Array(values.length * dims * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (v.length !== dims)
      throw new FaqStoreError(`vector ${i} has ${v.length} dimensions, expected ${dims}`);
    for (let d = 0; d < dims; d++) view.setFloat32((i * dims + d) * 4, v[d] ?? 0, true);
  });
  return out;
}

export function decodeVectors(bytes: Uint8Array, dims: number): Float32Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.floor(bytes.byteLength / (dims * 4));
  const out: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const v = new Float32Array(dims);
    for (let d = 0; d < dims; d++) v[d] = view.getFloat32((i * dims + d) * 4, true);
    out.push(v);
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
