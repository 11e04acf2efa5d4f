import type { KnowledgeSource, StoredFaqEntry } from "../knowledge";

/**
 * The ports of the FAQ import: the knowledge base's table (FaqRepository: entries, versions, the import
 * lease) and object storage (BlobStore: uploads, reports, snapshots). The DynamoDB repository and the
 * S3 store implement them; the import itself stays free of AWS imports.
 */

export interface ImportCounts {
  total: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  rejected: number;
}

export interface FaqVersionRecord {
  version: string;
  at: string;
  /** The upload key that produced this version. */
  upload: string;
  counts?: ImportCounts;
  entryCount: number;
  /** S3 key of the version's entry set (text only), the source of a restore. */
  snapshotKey: string;
}

/** Checkpoint of an import that continues in a later invocation. */
export interface FaqPending {
  version: string;
  upload: string;
  fileSha256: string;
  startedAt: string;
  /** Counts of the work already applied by earlier invocations. */
  counts: ImportCounts;
  /** Entries whose embedding failed in earlier invocations: reported, and not retried in this import. */
  failed: { row: number; id: string; detail: string }[];
}

export interface FaqMeta {
  version?: string;
  updatedAt?: string;
  history: FaqVersionRecord[];
  lease?: { owner: string; expiresAt: number };
  pending?: FaqPending;
  queued: string[];
}

/** What an import needs to know about an existing entry to decide whether to rewrite it. */
export interface EntryState {
  contentHash: string;
  modelId?: string;
  version?: string;
}

export interface FaqRepository extends KnowledgeSource {
  getMeta(kb: string): Promise<FaqMeta>;
  entryStates(kb: string): Promise<Map<string, EntryState>>;
  putEntries(kb: string, entries: StoredFaqEntry[]): Promise<void>;
  deleteEntries(kb: string, ids: string[]): Promise<void>;
  /** Takes (or renews, for the same owner) the kb's import lease; false while another owner holds it. */
  acquireLease(kb: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean>;
  savePending(kb: string, owner: string, pending: FaqPending, leaseExpiresAt: number): Promise<void>;
  /** Records a new current version; only the lease holder can, so two imports can't interleave commits. */
  commitVersion(kb: string, owner: string, record: FaqVersionRecord): Promise<void>;
  /** Drops the lease and checkpoint; returns the uploads that queued behind this import. */
  releaseLease(kb: string, owner: string): Promise<string[]>;
  enqueue(kb: string, uploadKey: string): Promise<void>;
}

/** The slice of object storage the import needs; shared/aws/s3-blobs.ts is the S3 one. */
export interface BlobStore {
  /** Size in bytes, or undefined when the object does not exist (any more). */
  head(key: string): Promise<{ size: number } | undefined>;
  get(key: string): Promise<AsyncIterable<Uint8Array>>;
  put(key: string, body: string | Uint8Array, contentType: string): Promise<void>;
  getText(key: string): Promise<string | undefined>;
  /** Copies an object; copying onto itself re-announces it (a new ObjectCreated event). */
  copy(fromKey: string, toKey: string): Promise<void>;
}
