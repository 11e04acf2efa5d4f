import { createHash, randomUUID } from "node:crypto";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest } from "node:http2";
import type { AddressInfo } from "node:net";
import { seededRandom } from "../../local/random";

/**
 * An HTTP proxy that fails some of the requests it passes on, on a seeded schedule: put in front of
 * DynamoDB Local, the SQS emulator, the Bedrock simulator or the channel simulators (through the
 * endpoint settings the code already has), it makes the real code meet throttling, server errors,
 * dropped connections, lost answers and calls that never answer.
 *
 * Faults are chosen per call, not per request: the AWS SDK retries a call under one invocation id
 * (`amz-sdk-invocation-id`), the Bedrock adapters and channel senders retry with the same body, so a
 * rule can fail one attempt (which the caller's own retry absorbs) or every attempt of a call (which
 * the application must then handle).
 */

/** One request, as the rules see it. */
export interface ProxiedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** What is called: `PutItem`, `SendMessage`, `converse`, `wechat /cgi-bin/message/custom/send`… */
  operation: string;
  /** On what: a table, a queue, a model, a channel. */
  resource: string;
}

export type Fault =
  /** An error answer; the request is not passed on. */
  | { kind: "respond"; status: number; headers?: Record<string, string>; body?: string }
  /** The connection drops before the request is passed on. */
  | { kind: "reset" }
  /** No answer: the request is held, not passed on, until the caller gives up (or `ms` pass). */
  | { kind: "hang"; ms: number }
  /** The request is passed on and served, then the connection drops: the caller never hears the answer. */
  | { kind: "lose-answer" };

export interface FaultRule {
  /** How the report names the fault, e.g. "DynamoDB throttling past the SDK's retries". */
  name: string;
  match(call: ProxiedCall): boolean;
  /** Chance that a call this rule matches is failed. */
  rate: number;
  fault: Fault;
  /**
   * Attempts of one failed call that fail in a row (default 1: the caller's first retry succeeds; the
   * SDK's 3 attempts: the error reaches the application).
   */
  attempts?: number;
  /** Calls failed at most. */
  limit?: number;
}

/** What a rule did: requests it failed, and the distinct calls they belonged to. */
export interface InjectedFaults {
  requests: number;
  calls: number;
}

export interface FaultProxy {
  url: string;
  /** Where requests go; settable after start (the proxy may be needed before its target is up). */
  target: string;
  /** Faults are injected only while enabled (setup traffic passes untouched). */
  enabled: boolean;
  rules: FaultRule[];
  /** Fails the next `calls` calls that `match`, `attempts` attempts each, whatever the rules' rates. */
  failNext(rule: Omit<FaultRule, "rate" | "limit">, calls: number): void;
  /** Requests seen, by operation. */
  readonly seen: Map<string, number>;
  /** Faults injected, by rule name. */
  injected(): Record<string, InjectedFaults>;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  target?: string;
  seed: number;
  /** Names the operation and resource of a request (see the describe* helpers below). */
  describe(request: Omit<ProxiedCall, "operation" | "resource">): Pick<ProxiedCall, "operation" | "resource">;
  rules?: FaultRule[];
  /**
   * What makes requests attempts of one call: the SDK's invocation id (default, for clients that retry
   * inside the SDK), or the same method, path and body (for callers that retry with calls of their own).
   */
  sameCall?: "invocation" | "body";
  /**
   * Listen for HTTP/2 without TLS (prior knowledge), as the Bedrock Runtime client speaks; requests still
   * go on to the target over HTTP/1.1.
   */
  http2?: boolean;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = seededRandom(options.seed);
  const seen = new Map<string, number>();
  const counts = new Map<string, InjectedFaults>();
  /**
   * Every call seen lately, with what was decided for it: the fault and the attempts still to fail, or
   * nothing. A call's fate is decided once, on its first attempt; its retries follow that decision.
   */
  const calls = new Map<string, { name?: string; fault?: Fault; left: number; seenAt: number }>();
  const bursts: { rule: Omit<FaultRule, "rate" | "limit">; left: number }[] = [];
  const triggered = new Map<FaultRule, number>();

  const count = (name: string, newCall: boolean) => {
    const entry = counts.get(name) ?? { requests: 0, calls: 0 };
    entry.requests++;
    if (newCall) entry.calls++;
    counts.set(name, entry);
  };

  /** The rule that fails a new call, if any: a pending burst first, then the rules by their rates. */
  const decide = (call: ProxiedCall): Omit<FaultRule, "rate" | "limit"> | undefined => {
    const burst = bursts.find((b) => b.left > 0 && b.rule.match(call));
    if (burst) {
      burst.left--;
      return burst.rule;
    }
    for (const rule of proxy.rules) {
      if (!rule.match(call)) continue;
      if (rule.limit !== undefined && (triggered.get(rule) ?? 0) >= rule.limit) continue;
      if (random() >= rule.rate) continue;
      triggered.set(rule, (triggered.get(rule) ?? 0) + 1);
      return rule;
    }
    return undefined;
  };

  /** The fault for this request, if any. */
  const choose = (call: ProxiedCall): Fault | undefined => {
    const key = callKey(call, options.sameCall ?? "invocation");
    const now = Date.now();
    const known = calls.get(key);
    if (known && now - known.seenAt < SAME_CALL_WINDOW_MS) {
      known.seenAt = now;
      if (!known.fault || !known.name || known.left <= 0) return undefined;
      known.left--;
      count(known.name, false);
      return known.fault;
    }
    if (calls.size > 50_000) {
      for (const [k, v] of calls) if (now - v.seenAt >= SAME_CALL_WINDOW_MS) calls.delete(k);
    }
    const rule = decide(call);
    if (!rule) {
      calls.set(key, { left: 0, seenAt: now });
      return undefined;
    }
    calls.set(key, { name: rule.name, fault: rule.fault, left: (rule.attempts ?? 1) - 1, seenAt: now });
    count(rule.name, true);
    return rule.fault;
  };

  const handle = async (req: IncomingMessage | Http2ServerRequest, res: ServerResponse) => {
    let body: Buffer;
    try {
      body = await readAll(req);
    } catch {
      return;
    }
    // HTTP/2 pseudo-headers (`:path`…) do not go on over HTTP/1.1.
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !name.startsWith(":")),
    ) as IncomingHttpHeaders;
    const request = { method: req.method ?? "GET", path: req.url ?? "/", headers, body };
    const call: ProxiedCall = { ...request, ...options.describe(request) };
    seen.set(call.operation, (seen.get(call.operation) ?? 0) + 1);
    const fault = proxy.enabled ? choose(call) : undefined;
    if (!fault) return forward(proxy.target, request, body, res);
    switch (fault.kind) {
      case "respond":
        res.writeHead(fault.status, { "x-amzn-requestid": randomUUID(), ...fault.headers });
        res.end(fault.body ?? "");
        return;
      case "reset":
        return drop(req);
      case "hang": {
        const timer = setTimeout(() => drop(req), fault.ms);
        res.once("close", () => clearTimeout(timer));
        return;
      }
      case "lose-answer":
        return forward(proxy.target, request, body, res, () => drop(req));
    }
  };
  const server = options.http2
    ? createHttp2Server((req, res) => handle(req, res as unknown as ServerResponse))
    : createServer(handle);
  const sessions = new Set<{ destroy(): void }>();
  if (options.http2) server.on("session", (session) => sessions.add(session));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    target: options.target ?? "",
    enabled: false,
    rules: options.rules ?? [],
    failNext(rule, calls) {
      bursts.push({ rule, left: calls });
    },
    seen,
    injected: () => Object.fromEntries(counts),
    close: () =>
      new Promise<void>((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

/**
 * Requests with the same key this close together are attempts of one call; later ones start a new call
 * (a queue retry sending the same reply again, a token fetched again).
 */
const SAME_CALL_WINDOW_MS = 10_000;

/** The SDK names each call once for all its attempts; other callers repeat the same request. */
function callKey(call: ProxiedCall, sameCall: "invocation" | "body"): string {
  const invocation = call.headers["amz-sdk-invocation-id"];
  if (sameCall === "invocation" && typeof invocation === "string") return `sdk:${invocation}`;
  return `body:${createHash("sha256").update(`${call.method} ${call.path}\n`).update(call.body).digest("hex")}`;
}

/**
 * The TCP connection drops without an answer. Over HTTP/2 that ends every request the connection was
 * carrying at the moment, as a real reset does.
 */
function drop(req: IncomingMessage | Http2ServerRequest): void {
  req.socket.destroy();
}

/** Connection-specific headers, which HTTP/2 forbids and a proxy does not pass on. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]);

function forward(
  target: string,
  request: { method: string; path: string; headers: IncomingHttpHeaders },
  body: Buffer,
  res: ServerResponse,
  onServed?: () => void,
): void {
  const url = new URL(request.path, target);
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(([name]) => !HOP_BY_HOP.has(name)),
  );
  const upstream = httpRequest(
    url,
    { method: request.method, headers: { ...headers, host: url.host, "content-length": body.length } },
    (answer) => {
      if (onServed) {
        answer.resume();
        answer.once("end", onServed);
        return;
      }
      const answerHeaders = Object.fromEntries(
        Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name)),
      );
      res.writeHead(answer.statusCode ?? 502, answerHeaders);
      answer.pipe(res);
    },
  );
  upstream.on("error", (error) => {
    if (res.headersSent) return res.destroy();
    res.writeHead(502, { "content-type": "text/plain" });
    res.end(`fault proxy: upstream unreachable: ${error.message}`);
  });
  upstream.end(body);
}

async function readAll(req: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// ---- what the services' requests are, and how they fail ----

function jsonBody(body: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(body.toString("utf8") || "{}") as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** DynamoDB (JSON 1.0): the operation from `X-Amz-Target`, the table from the body. */
export function describeDynamoDb(request: Pick<ProxiedCall, "headers" | "body">) {
  const operation = String(request.headers["x-amz-target"] ?? "").split(".")[1] ?? "unknown";
  const body = jsonBody(request.body);
  const table =
    typeof body.TableName === "string"
      ? body.TableName
      : Object.keys((body.RequestItems as object | undefined) ?? {}).join(",") || "transaction";
  return { operation, resource: table };
}

/** fauxqs serves SQS (JSON protocol, `X-Amz-Target: AmazonSQS.*`) and S3 (REST) on one port. */
export function describeAws(request: Pick<ProxiedCall, "headers" | "path" | "method">) {
  const target = request.headers["x-amz-target"];
  if (typeof target === "string" && target.startsWith("AmazonSQS.")) {
    return { operation: target.slice("AmazonSQS.".length), resource: "sqs" };
  }
  return { operation: `s3 ${request.method}`, resource: request.path.split("?")[0] ?? "" };
}

/** Bedrock Runtime: `/model/{id}/invoke` or `/model/{id}/converse`. */
export function describeBedrock(request: Pick<ProxiedCall, "path">) {
  const route = /^\/model\/([^/]+)\/([a-z-]+)/.exec(request.path);
  return { operation: route?.[2] ?? "unknown", resource: decodeURIComponent(route?.[1] ?? "") };
}

/** The local stack's front door: webhooks, the channel simulators' APIs, the rest. */
export function describeLocalStack(request: Pick<ProxiedCall, "path">) {
  const path = request.path.split("?")[0] ?? "";
  const webhook = /^\/webhooks\/([\w-]+)$/.exec(path);
  if (webhook) return { operation: "webhook", resource: webhook[1] ?? "" };
  const sim = /^\/sim\/([\w-]+)(\/.*)$/.exec(path);
  if (sim) return { operation: `api ${sim[2]}`, resource: sim[1] ?? "" };
  return { operation: path, resource: "" };
}

/** What DynamoDB answers when a table is throttled; the SDK retries it, with backoff. */
export function dynamoDbError(type: "ThrottlingException" | "ProvisionedThroughputExceededException"): Fault {
  return {
    kind: "respond",
    status: 400,
    headers: { "content-type": "application/x-amz-json-1.0" },
    body: JSON.stringify({
      __type: `com.amazonaws.dynamodb.v20120810#${type}`,
      message:
        type === "ThrottlingException"
          ? "Rate of requests exceeds the allowed throughput."
          : "The level of configured provisioned throughput for the table was exceeded.",
    }),
  };
}

/** An SQS error in the JSON protocol (`RequestThrottled` 400, `InternalError` 500, `ServiceUnavailable` 503). */
export function sqsError(status: 400 | 500 | 503): Fault {
  const type =
    status === 400
      ? "AWS.SimpleQueueService.RequestThrottled"
      : status === 500
        ? "InternalError"
        : "ServiceUnavailable";
  return {
    kind: "respond",
    status,
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-query-error": `${type};${status === 400 ? "Sender" : "Receiver"}`,
    },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message: "injected fault" }),
  };
}

/** Bedrock's throttling answer (HTTP 429, `ThrottlingException`). */
export function bedrockThrottling(): Fault {
  return {
    kind: "respond",
    status: 429,
    headers: {
      "content-type": "application/json",
      "x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
    },
    body: JSON.stringify({ message: "Too many requests, please wait before trying again." }),
  };
}

/** A platform API's front end failing: HTTP 502/503 with an HTML page, as a gateway answers. */
export function gatewayError(status: 502 | 503): Fault {
  return {
    kind: "respond",
    status,
    headers: { "content-type": "text/html" },
    body: `<html><body><h1>${status}</h1></body></html>`,
  };
}
