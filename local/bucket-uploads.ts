import { timingSafeEqual } from "node:crypto";
import { type IncomingMessage, request, type ServerResponse } from "node:http";
import type { S3Client } from "@aws-sdk/client-s3";
import { presignUpload } from "../functions/desk-api/wiring";

/**
 * The desk's FAQ uploads on the local server's own origin. In AWS the admin's browser PUTs the file
 * straight to S3 with a presigned URL, which the bucket's CORS rule allows (infra/constructs/desk.ts). The
 * S3 emulator has no CORS (it answers the browser's preflight 404), so locally the desk API presigns for
 * this server (wireDeskApi's uploadEndpoint) and the server forwards those PUTs, streamed, to the
 * emulator. Only PUTs under the bucket's uploads/ prefix are forwarded: nothing else of the emulator is
 * exposed.
 *
 * Unlike the bucket's CORS rule (any origin: there the URL is the credential, checked by S3), only the
 * server's own origins are allowed here: the emulator checks no signature, so a PUT with a made-up
 * X-Amz-Signature would otherwise let any web page open in the developer's browser replace the local
 * knowledge base (a `.replace.` upload). A browser always sends Origin on a cross-origin PUT, so a foreign
 * Origin is refused 403; a PUT without one (curl) is not a browser page's. And since the emulator checks
 * no signature, the server does: only a URL the desk API presigned, unexpired, is forwarded (403 else).
 */
export type BucketUploads = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

/** The bucket's CORS rule in AWS (PUT with a Content-Type), for one allowed origin. */
function cors(origin: string | undefined) {
  return {
    ...(origin ? { "access-control-allow-origin": origin } : {}),
    "access-control-allow-methods": "PUT",
    "access-control-allow-headers": "Content-Type",
    "access-control-max-age": "3000",
    vary: "Origin",
  };
}

/** The local server's own origins, by IP and by name (the desk is opened on either). */
export function ownOrigins(serverUrl: string): string[] {
  const { protocol, port } = new URL(serverUrl);
  return [`${protocol}//127.0.0.1:${port}`, `${protocol}//localhost:${port}`];
}

export function bucketUploads(options: {
  bucket: string;
  prefix: string;
  emulator: string;
  /** The origins whose pages may upload: the server's own (ownOrigins). */
  origins: string[];
  /** Whether the URL is one the desk API presigned and not yet expired (presignedByDesk). */
  presigned: (url: URL) => Promise<boolean>;
}): BucketUploads {
  const path = `/${options.bucket}/${options.prefix}`;
  const allowed = new Set(options.origins);
  const refuse = (res: ServerResponse) => {
    res.writeHead(403, { "content-type": "application/json; charset=utf-8", vary: "Origin" });
    res.end(
      JSON.stringify({ error: "forbidden_origin", message: "Uploads only from the desk's own origin." }),
    );
    return true;
  };
  return (req, res, url) => {
    if (!url.pathname.startsWith(path) || url.pathname.length === path.length) return false;
    const origin = req.headers.origin;
    if (origin !== undefined && !allowed.has(origin)) {
      return req.method === "OPTIONS" || req.method === "PUT" ? refuse(res) : false;
    }
    const CORS = cors(origin);
    if (req.method === "OPTIONS") {
      res.writeHead(200, CORS);
      res.end();
      return true;
    }
    if (req.method !== "PUT" || !url.searchParams.has("X-Amz-Signature")) return false;
    options.presigned(url).then(
      (presigned) => (presigned ? forward(req, res, url, CORS) : refuseSignature(res)),
      () => refuseSignature(res),
    );
    return true;
  };

  function refuseSignature(res: ServerResponse) {
    // The body is not read: the connection closes after the answer.
    res.writeHead(403, { "content-type": "application/json; charset=utf-8", connection: "close" });
    res.end(JSON.stringify({ error: "bad_signature", message: "Not an upload URL the desk presigned." }));
  }

  function forward(req: IncomingMessage, res: ServerResponse, url: URL, CORS: ReturnType<typeof cors>) {
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
  }
}

/**
 * Checks an upload URL by signing it again as the desk API did (its presignUpload, the same signer: the
 * local credentials and this server's endpoint) at the URL's own X-Amz-Date: a made-up or altered
 * signature, another key, or an expired URL does not match.
 */
export function presignedByDesk(signer: S3Client, bucket: string, now: () => Date = () => new Date()) {
  return async (url: URL): Promise<boolean> => {
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(
      url.searchParams.get("X-Amz-Date") ?? "",
    );
    const expires = Number(url.searchParams.get("X-Amz-Expires"));
    const given = url.searchParams.get("X-Amz-Signature") ?? "";
    if (!date || !Number.isInteger(expires)) return false;
    const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
    const signedAt = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s));
    if (now().getTime() > signedAt.getTime() + expires * 1000) return false;
    const key = decodeURIComponent(url.pathname.slice(`/${bucket}/`.length));
    const again = new URL((await presignUpload(signer, bucket, key, signedAt)).url);
    const expected = Buffer.from(again.searchParams.get("X-Amz-Signature") ?? "");
    return expected.length === given.length && timingSafeEqual(expected, Buffer.from(given));
  };
}
