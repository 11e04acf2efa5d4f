import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { BlobStore } from "../kb/import/ports";
import { clientOptions, type Endpoints } from "./clients";

export function s3Client(runtime: Endpoints): S3Client {
  return new S3Client({
    ...clientOptions(runtime, runtime.endpoints.aws),
    forcePathStyle: !!runtime.endpoints.aws,
  });
}

/**
 * The client that signs the desk's upload URLs. Without `WHEN_REQUIRED` the SDK signs into the URL the
 * CRC32 of the body it has at signing time, none (`x-amz-checksum-crc32=AAAAAA==`), which any real file
 * then fails to match (S3 answers BadDigest). `endpoint`: where the browser sends the file when it is not
 * the bucket's own address (the local stack's origin, which forwards it to the emulator).
 */
export function s3UploadSigner(runtime: Endpoints, endpoint = runtime.endpoints.aws): S3Client {
  return new S3Client({
    ...clientOptions(runtime, endpoint),
    forcePathStyle: !!endpoint,
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
}

/** Reads objects of any bucket (the channels' `blobs`: SES puts mail over 150 KB in S3). */
export function s3ObjectReader(s3: S3Client): { get(bucket: string, key: string): Promise<Uint8Array> } {
  return {
    async get(bucket, key) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
    },
  };
}

/** BlobStore over one S3 bucket; the client is made once per cold start by the caller. */
export function s3BlobStore(s3: S3Client, bucket: string): BlobStore {
  const missing = (err: unknown) => {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    return e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
  };
  return {
    async head(key) {
      try {
        const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { size: out.ContentLength ?? 0 };
      } catch (err) {
        if (missing(err)) return undefined;
        throw err;
      }
    },
    async get(key) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return out.Body as AsyncIterable<Uint8Array>;
    },
    async put(key, body, contentType) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async getText(key) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await out.Body?.transformToString("utf-8");
      } catch (err) {
        if (missing(err)) return undefined;
        throw err;
      }
    },
    async copy(fromKey, toKey) {
      await s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: toKey,
          CopySource: `${bucket}/${fromKey.split("/").map(encodeURIComponent).join("/")}`,
          // S3 refuses a copy onto itself unless something changes: the metadata does.
          MetadataDirective: "REPLACE",
          Metadata: { "kefu-copied-at": new Date().toISOString() },
        }),
      );
    },
  };
}
