import { type IncomingMessage, request, type ServerResponse } from "node:http";

/**
 * The desk's FAQ uploads on the local server's own origin. In AWS the admin's browser PUTs the file
 * straight to S3 with a presigned URL, which the bucket's CORS rule allows (infra/constructs/desk.ts). The
 * S3 emulator has no CORS (it answers the browser's preflight 404), so locally the desk API presigns for
 * this server (wireDeskApi's uploadEndpoint) and the server forwards those PUTs, streamed, to the
 * emulator, and answers a preflight as the bucket's CORS rule does. Only PUTs under the bucket's
 * uploads/ prefix are forwarded: nothing else of the emulator is exposed.
 */
export type BucketUploads = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

/** The bucket's CORS rule in AWS: PUT with a Content-Type, from any origin (the URL is the credential). */
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "PUT",
  "access-control-allow-headers": "Content-Type",
  "access-control-max-age": "3000",
};

export function bucketUploads(options: { bucket: string; prefix: string; emulator: string }): BucketUploads {
  const path = `/${options.bucket}/${options.prefix}`;
  return (req, res, url) => {
    if (!url.pathname.startsWith(path) || url.pathname.length === path.length) return false;
    if (req.method === "OPTIONS") {
      res.writeHead(200, CORS);
      res.end();
      return true;
    }
    if (req.method !== "PUT" || !url.searchParams.has("X-Amz-Signature")) return false;
    const { host: _host, connection: _connection, ...headers } = req.headers;
    const upstream = request(new URL(`${url.pathname}${url.search}`, options.emulator), {
      method: "PUT",
      headers,
    });
    upstream.on("response", (answer) => {
      // Hop-by-hop headers are this connection's own; Node frames the body it pipes.
      const { connection: _c, "keep-alive": _k, "transfer-encoding": _t, ...kept } = answer.headers;
      res.writeHead(answer.statusCode ?? 502, { ...kept, ...CORS });
      answer.pipe(res);
    });
    upstream.on("error", (error) => {
      if (res.headersSent) return res.destroy(error);
      res.writeHead(502, { "content-type": "application/json; charset=utf-8", ...CORS });
      res.end(JSON.stringify({ error: "bucket_unreachable", message: error.message }));
    });
    req.pipe(upstream);
    return true;
  };
}
