/**
 * The slice of object storage the import needs, so the import core stays free of AWS imports and the
 * S3 client is made by the caller (see s3-blobs.ts).
 */
export interface BlobStore {
  /** Size in bytes, or undefined when the object does not exist (any more). */
  head(key: string): Promise<{ size: number } | undefined>;
  get(key: string): Promise<AsyncIterable<Uint8Array>>;
  put(key: string, body: string | Uint8Array, contentType: string): Promise<void>;
  getText(key: string): Promise<string | undefined>;
  /** Copies an object; copying onto itself re-announces it (a new ObjectCreated event). */
  copy(fromKey: string, toKey: string): Promise<void>;
}
