import { afterEach, describe, expect, it, vi } from "vitest";
import { presignUpload } from "../../../functions/desk-api/wiring";
import { s3UploadSigner } from "../../../shared/aws/s3-blobs";

/** The desk's presigned FAQ upload: a URL the browser's PUT of a real file can use. */
describe("the upload signer", () => {
  const aws = { mode: "aws" as const, region: "ap-east-1", endpoints: {} };
  afterEach(() => vi.unstubAllEnvs());

  it("signs no checksum into the URL: the one of an empty body would refuse every real file", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
    const { url, headers } = await presignUpload(s3UploadSigner(aws), "faq-bucket", "uploads/faq.csv");
    const signed = new URL(url);
    expect(signed.host).toBe("faq-bucket.s3.ap-east-1.amazonaws.com");
    expect(signed.pathname).toBe("/uploads/faq.csv");
    expect([...signed.searchParams.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
    expect(signed.searchParams.get("X-Amz-Expires")).toBe("300");
    expect(headers).toEqual({ "Content-Type": "application/octet-stream" });
  });

  it("signs for the address given (the local stack's origin), path-style", async () => {
    const local = {
      mode: "local" as const,
      region: "us-east-1",
      endpoints: { aws: "http://127.0.0.1:4566" },
    };
    const { url } = await presignUpload(
      s3UploadSigner(local, "http://127.0.0.1:3000"),
      "kefu-local-faq",
      "uploads/2026-12-02-faq.csv",
    );
    const signed = new URL(url);
    expect(signed.origin).toBe("http://127.0.0.1:3000");
    expect(signed.pathname).toBe("/kefu-local-faq/uploads/2026-12-02-faq.csv");
    expect(signed.searchParams.has("X-Amz-Signature")).toBe(true);
    // Without an address of its own, the emulator's.
    expect(new URL((await presignUpload(s3UploadSigner(local), "b", "uploads/x")).url).origin).toBe(
      "http://127.0.0.1:4566",
    );
  });
});
