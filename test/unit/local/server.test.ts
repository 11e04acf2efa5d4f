import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { presignUpload } from "../../../functions/desk-api/wiring";
import { bucketUploads, ownOrigins, presignedByDesk } from "../../../local/bucket-uploads";
import { createLocalServer, type LocalServerOptions } from "../../../local/server";
import { s3UploadSigner } from "../../../shared/aws/s3-blobs";
import { MalformedRequestError } from "../../../shared/core/errors";

/** The local front door: readiness gates the webhooks, and the routes a new user tries first exist. */
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(overrides: Partial<LocalServerOptions> = {}) {
  const state = { ready: false, stage: "importing the example FAQ", webhookCalls: 0 };
  const server = createLocalServer({
    webhook: async () => {
      state.webhookCalls++;
      return { statusCode: 200, body: "success" };
    },
    simulators: [],
    dev: async ({ path, body }) => {
      if (path === "/dev/echo") {
        try {
          return { status: 200, body: JSON.parse(body) };
        } catch {
          throw new MalformedRequestError("the body is not JSON");
        }
      }
      return undefined;
    },
    readiness: () => ({ ready: state.ready, stage: state.ready ? "ready" : state.stage }),
    index: () => ({ service: "Kefu", ready: state.ready }),
    trace: async (_channel, invoke) => ({ traceId: "trace-1", result: await invoke() }),
    ...overrides,
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  close = () => new Promise((r) => server.close(() => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { state, url };
}

describe("before the stack is ready", () => {
  it("answers webhooks 503 with Retry-After, without calling the handler, and says so on /ready", async () => {
    const { state, url } = await serve();
    const webhook = await fetch(`${url}/webhooks/wechat`, { method: "POST", body: "<xml/>" });
    expect(webhook.status).toBe(503);
    expect(webhook.headers.get("retry-after")).toBe("1");
    expect(await webhook.json()).toMatchObject({ error: "starting", stage: "importing the example FAQ" });
    expect(state.webhookCalls).toBe(0);

    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get("retry-after")).toBe("1");
    expect(await ready.json()).toMatchObject({ ready: false, stage: "importing the example FAQ" });

    expect((await fetch(`${url}/dev/echo`, { method: "POST", body: "{}" })).status).toBe(503);
    // Liveness and the index answer at once.
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(await (await fetch(url)).json()).toEqual({ service: "Kefu", ready: false });
  });
});

describe("once ready", () => {
  it("serves the webhook with a trace id, and /ready says 200", async () => {
    const { state, url } = await serve();
    state.ready = true;
    const webhook = await fetch(`${url}/webhooks/wechat`, { method: "POST", body: "<xml/>" });
    expect(webhook.status).toBe(200);
    expect(await webhook.text()).toBe("success");
    expect(webhook.headers.get("x-kefu-trace")).toBe("trace-1");
    expect(state.webhookCalls).toBe(1);
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, stage: "ready" });
  });

  it("answers a named error with its status and code, not 500", async () => {
    const { state, url } = await serve();
    state.ready = true;
    const bad = await fetch(`${url}/dev/echo`, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "malformed_request" });
    const unknown = await fetch(`${url}/nowhere`);
    expect(unknown.status).toBe(404);
  });
});

describe("the desk's FAQ uploads (presigned PUTs to the bucket, on the server's own origin)", () => {
  /** A stand-in for the S3 emulator: records what reaches it. */
  async function emulator() {
    const received: { method: string; url: string; body: string; contentType: string }[] = [];
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        body: Buffer.concat(chunks).toString("utf8"),
        contentType: req.headers["content-type"] ?? "",
      });
      res.writeHead(200, { etag: '"abc"' });
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { received, url, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  /** The desk API's signer, as the local stack makes it (local credentials, the server's endpoint). */
  const signer = s3UploadSigner(
    { mode: "local", region: "us-east-1", endpoints: {} },
    "http://127.0.0.1:8787",
  );
  /** A URL the desk API presigned, as path and query on the server. */
  const presigned = async (key: string, at?: Date) => {
    const url = new URL((await presignUpload(signer, "kefu-local-faq", key, at)).url);
    return `${url.pathname}${url.search}`;
  };
  const own = "http://localhost:8787";
  /** The server, ready, forwarding the desk's presigned uploads to `emulator`; its URL. */
  async function serveUploads(emulator: string, options: Partial<LocalServerOptions> = {}) {
    const uploads = bucketUploads({
      bucket: "kefu-local-faq",
      prefix: "uploads/",
      emulator,
      origins: ownOrigins("http://127.0.0.1:8787"),
      presigned: presignedByDesk(signer, "kefu-local-faq"),
    });
    const { state, url } = await serve({ uploads, ...options });
    state.ready = true;
    return url;
  }

  it("forwards a PUT the desk presigned under uploads/ to the emulator, with its body, CORS for the server's own origins", async () => {
    const s3 = await emulator();
    try {
      // A body over the server's read limit: an upload is streamed on, not read.
      const url = await serveUploads(s3.url, { maxReadBytes: 16 });
      const path = await presigned("uploads/2026-faq.csv");
      const csv = "question,answer\n如何注销账号？,在「设置-账户」中申请注销。\n";
      const preflight = await fetch(`${url}${path}`, {
        method: "OPTIONS",
        headers: { origin: own, "access-control-request-method": "PUT" },
      });
      expect(preflight.status).toBe(200);
      expect(preflight.headers.get("access-control-allow-origin")).toBe(own);
      expect(preflight.headers.get("access-control-allow-methods")).toBe("PUT");
      expect(preflight.headers.get("access-control-allow-headers")).toBe("Content-Type");
      const put = await fetch(`${url}${path}`, {
        method: "PUT",
        headers: { "content-type": "application/octet-stream", origin: own },
        body: csv,
      });
      expect(put.status).toBe(200);
      expect(put.headers.get("etag")).toBe('"abc"');
      expect(put.headers.get("access-control-allow-origin")).toBe(own);
      expect(s3.received).toEqual([
        { method: "PUT", url: path, body: csv, contentType: "application/octet-stream" },
      ]);

      // Nothing else of the emulator: not another prefix, not an unsigned PUT, not a GET.
      expect(
        (await fetch(`${url}/kefu-local-faq/versions/x?X-Amz-Signature=a`, { method: "PUT" })).status,
      ).toBe(404);
      expect((await fetch(`${url}/kefu-local-faq/uploads/x`, { method: "PUT", body: "1" })).status).toBe(404);
      expect((await fetch(`${url}${path}`)).status).toBe(404);
      expect(s3.received).toHaveLength(1);
    } finally {
      await s3.close();
    }
  });

  it("refuses 403 another origin's page, a made-up or expired signature, and a signature for another key", async () => {
    const s3 = await emulator();
    try {
      const url = await serveUploads(s3.url);
      const good = await presigned("uploads/kb.replace.csv");
      const evil = "https://evil.example";
      const preflight = await fetch(`${url}${good}`, {
        method: "OPTIONS",
        headers: { origin: evil, "access-control-request-method": "PUT" },
      });
      expect(preflight.status).toBe(403);
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
      const put = (path: string, origin?: string) =>
        fetch(`${url}${path}`, { method: "PUT", headers: origin ? { origin } : {}, body: "q,a\n" });
      expect((await put(good, evil)).status).toBe(403);
      expect((await put("/kefu-local-faq/uploads/kb.replace.csv?X-Amz-Signature=abc")).status).toBe(403);
      expect((await put(good.replace("kb.replace.csv", "other.replace.csv"))).status).toBe(403);
      const forged = good.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${"0".repeat(64)}`);
      expect((await put(forged)).status).toBe(403);
      const expired = await presigned("uploads/kb.replace.csv", new Date(Date.now() - 3_600_000));
      expect((await put(expired, own)).status).toBe(403);
      expect(s3.received).toEqual([]);
    } finally {
      await s3.close();
    }
  });

  it("answers 502 when the emulator is unreachable", async () => {
    const url = await serveUploads("http://127.0.0.1:1");
    const put = await fetch(`${url}${await presigned("uploads/x")}`, { method: "PUT", body: "x" });
    expect(put.status).toBe(502);
    expect(await put.json()).toMatchObject({ error: "bucket_unreachable" });
  });
});

describe("a body over the server's read limit", () => {
  it("is refused 413 payload_too_large, as the webhook refuses one, the connection closed, and the next request served", async () => {
    const { state, url } = await serve({ maxReadBytes: 1024 });
    state.ready = true;
    for (let i = 0; i < 3; i++) {
      const refused = await fetch(`${url}/webhooks/wechat`, {
        method: "POST",
        body: Buffer.alloc(12 * 1024 * 1024, "x"),
      });
      expect(refused.status).toBe(413);
      expect(refused.headers.get("connection")).toBe("close");
      expect(await refused.json()).toEqual({
        error: "payload_too_large",
        message: "body exceeds 1024 bytes",
      });
      expect(state.webhookCalls).toBe(i);
      const next = await fetch(`${url}/webhooks/wechat`, { method: "POST", body: "<xml/>" });
      expect(next.status).toBe(200);
      expect(state.webhookCalls).toBe(i + 1);
    }
  });
});
