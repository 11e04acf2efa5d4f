import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { KefuError, PayloadTooLargeError } from "../shared/core/errors";
import type { BucketUploads } from "./bucket-uploads";
import type { DeskServing } from "./desk";
import { lambdaContext } from "./event-source";
import type { ChannelSimulator, SimulatorRequest } from "./simulator/outbox";

/**
 * The local front door: turns HTTP requests into API Gateway HTTP API (payload v2) events and calls the
 * same webhook handler AWS runs; serves the channel simulators under /sim/ and the developer endpoints
 * under /dev/. Until the stack is ready (emulators up, the knowledge base imported) webhooks answer 503 with
 * Retry-After, as a platform retries, rather than hand customers off for want of an FAQ.
 */
export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: ReturnType<typeof lambdaContext>,
) => Promise<APIGatewayProxyStructuredResultV2>;

export type DevRoute = (request: {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
}) => Promise<{ status: number; body: unknown } | undefined>;

export interface Readiness {
  ready: boolean;
  /** What the stack is doing (starting the emulators, importing the example FAQ…) or "ready". */
  stage: string;
}

/** Runs one webhook invocation and says under which id what became of its messages can be read. */
export type WebhookTracer = (
  channel: string,
  invoke: () => Promise<APIGatewayProxyStructuredResultV2>,
) => Promise<{ traceId: string; result: APIGatewayProxyStructuredResultV2 }>;

export interface LocalServerOptions {
  webhook: ApiHandler;
  simulators: ChannelSimulator[];
  dev: DevRoute;
  readiness(): Readiness;
  /** GET /: what this server serves. */
  index(): unknown;
  trace?: WebhookTracer;
  /**
   * `POST /sns/publish`: SNS for the topics the SNS ingress is subscribed to (e-mail, SMS); answers with
   * the MessageId and the trace id of the first invocation.
   */
  sns?: (body: string) => Promise<{ status: number; body: unknown; traceId?: string }>;
  /** The agents' desk: the web app at /desk/, its config and /desk/api (absent until the stack is up). */
  desk?: DeskServing;
  /** The desk's presigned FAQ uploads, forwarded to the S3 emulator (absent until the stack is up). */
  uploads?: BucketUploads;
  /** Bytes read from a request body before giving up: well above the webhook's own limit. */
  maxReadBytes?: number;
}

export function createLocalServer(options: LocalServerOptions): Server {
  return createServer(localRequestListener(options));
}

/** As API Gateway names the webhook's one route (infra/constructs/ingress.ts: every method goes to it). */
const WEBHOOK_ROUTE_KEY = "ANY /webhooks/{channel}";

/** What the local server does with each request (npm start hands it a server it opened early). */
export function localRequestListener(options: LocalServerOptions): RequestListener {
  const maxRead = options.maxReadBytes ?? 1024 * 1024;
  return async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      // Before the body is read: an upload is streamed on to the emulator, whatever its size.
      if (options.uploads?.(req, res, url)) return;
      const body = await readBody(req, maxRead);
      if (body === undefined) return tooLarge(res, maxRead);
      const readiness = options.readiness();
      if (req.method === "GET" && url.pathname === "/") return send(res, 200, options.index());
      // Liveness: the process answers. Readiness: customers can be served.
      if (req.method === "GET" && url.pathname === "/health") return send(res, 200, { ok: true });
      if (req.method === "GET" && url.pathname === "/ready") {
        return readiness.ready ? send(res, 200, readiness) : notReady(res, readiness);
      }
      const webhook = /^\/webhooks\/([\w-]+)$/.exec(url.pathname);
      if (webhook) {
        if (!readiness.ready) return notReady(res, readiness);
        const channel = webhook[1] ?? "";
        const event = toApiGatewayEvent(req, url, body, channel);
        const invoke = () => options.webhook(event, lambdaContext("webhook"));
        const { traceId, result } = options.trace
          ? await options.trace(channel, invoke)
          : { traceId: undefined, result: await invoke() };
        res.writeHead(result.statusCode ?? 200, {
          ...stringHeaders(result.headers),
          // Local only: `npm run chat` reads what became of the message at /dev/traces/<id>.
          ...(traceId ? { "x-kefu-trace": traceId } : {}),
        });
        return res.end(result.body ?? "");
      }
      if (req.method === "POST" && url.pathname === "/sns/publish" && options.sns) {
        if (!readiness.ready) return notReady(res, readiness);
        const published = await options.sns(body.toString("utf8"));
        if (published.traceId) res.setHeader("x-kefu-trace", published.traceId);
        return send(res, published.status, published.body);
      }
      if (url.pathname === "/desk" || url.pathname.startsWith("/desk/")) {
        if (!readiness.ready || !options.desk) return notReady(res, readiness);
        const answer = await options.desk({
          method: req.method ?? "GET",
          url,
          headers: Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v ?? "")]),
          ),
          body,
          sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        });
        if (answer) {
          res.writeHead(answer.status, answer.headers);
          return res.end(answer.body);
        }
      }
      const simulator = options.simulators.find((s) => url.pathname.startsWith(`${s.prefix}/`));
      if (simulator) {
        const request: SimulatorRequest = {
          method: req.method ?? "GET",
          path: url.pathname.slice(simulator.prefix.length),
          query: url.searchParams,
          body: body.toString("utf8"),
          headers: Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v ?? "")]),
          ),
        };
        const result = simulator.handle(request);
        return send(res, result.status, result.body);
      }
      if (url.pathname.startsWith("/dev/") && !readiness.ready) return notReady(res, readiness);
      const dev = await options.dev({
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        body: body.toString("utf8"),
      });
      if (dev) return send(res, dev.status, dev.body);
      return send(res, 404, { error: "not_found", message: `no route for ${req.method} ${url.pathname}` });
    } catch (error) {
      if (error instanceof KefuError)
        return send(res, error.status, { error: error.code, message: error.message });
      return send(res, 500, { error: "internal_error", message: (error as Error).message });
    }
  };
}

function toApiGatewayEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  channel: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] ? `${query[name]},${value}` : value;
  const now = Date.now();
  const textual = /^(text\/|application\/(json|xml|x-www-form-urlencoded))/.test(
    headers["content-type"] ?? "text/",
  );
  return {
    version: "2.0",
    routeKey: WEBHOOK_ROUTE_KEY,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: { channel },
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "127.0.0.1",
      domainPrefix: "local",
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: "HTTP/1.1",
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: crypto.randomUUID(),
      routeKey: WEBHOOK_ROUTE_KEY,
      stage: "$default",
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    // Like API Gateway: binary or unknown content types arrive base64-encoded.
    body: body.length ? (textual ? body.toString("utf8") : body.toString("base64")) : undefined,
    isBase64Encoded: body.length > 0 && !textual,
  };
}

/**
 * The body, or undefined when it is over `limit`. Past the limit the rest is read and dropped, not kept:
 * leaving the loop early would destroy the request, and the client, still sending, would see its
 * connection reset instead of the refusal.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

/** 413, as the webhook refuses a body over its cap, and the connection closed: not one to reuse. */
function tooLarge(res: ServerResponse, limit: number): void {
  const error = new PayloadTooLargeError(limit);
  res.writeHead(error.status, { "content-type": "application/json; charset=utf-8", connection: "close" });
  res.end(JSON.stringify({ error: error.code, message: error.message }));
}

/** 503 with Retry-After: what a platform (and `npm run chat`) retries. */
function notReady(res: ServerResponse, readiness: Readiness): void {
  res.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "1" });
  res.end(
    JSON.stringify({
      ready: false,
      stage: readiness.stage,
      error: "starting",
      message: `Kefu is starting (${readiness.stage}); retry in a moment.`,
    }),
  );
}

function stringHeaders(headers: APIGatewayProxyStructuredResultV2["headers"]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  // A string body is a document (a certificate PEM), served as it is; everything else is JSON.
  if (typeof body === "string") {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    res.end(body);
    return;
  }
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body, null, 2));
}
