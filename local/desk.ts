import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { DESK_API_BASE } from "../functions/desk-api/handler";
import type { DeskClientConfig } from "../shared/core/desk/routes";
import { type DeskAssetResponse, deskAsset } from "./desk-assets";
import { withProductionNodeEnv } from "./env";
import { lambdaContext } from "./event-source";

/**
 * The agents' desk on the local stack, as CloudFront serves it in AWS: the built web app at `/desk/`, its
 * `config.json` (the local Cognito), and `/desk/api/*` handed to the desk API handler as an HTTP API
 * (payload v2) event, same origin.
 */

export const DESK_DIR = resolve("desk");
export const DESK_DIST = join(DESK_DIR, "dist");

export interface DeskHttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  sourceIp: string;
}

export type DeskHttpResponse = DeskAssetResponse;

export type DeskApiHandler = (
  event: APIGatewayProxyEventV2,
  context: ReturnType<typeof lambdaContext>,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Answers `/desk…` requests; undefined for any other path. */
export type DeskServing = (request: DeskHttpRequest) => Promise<DeskHttpResponse | undefined>;

export function deskServing(options: {
  distDir?: string;
  config: DeskClientConfig;
  api: DeskApiHandler;
}): DeskServing {
  const root = resolve(options.distDir ?? DESK_DIST);
  return async (request) => {
    const path = request.url.pathname;
    if (path === "/desk") return { status: 302, headers: { location: "/desk/" }, body: "" };
    if (!path.startsWith("/desk/")) return undefined;
    if (path === "/desk/config.json") {
      return {
        status: 200,
        headers: { "content-type": "application/json", "cache-control": "no-store" },
        body: JSON.stringify(options.config),
      };
    }
    if (path === DESK_API_BASE || path.startsWith(`${DESK_API_BASE}/`)) {
      const result = await options.api(apiEvent(request), lambdaContext("desk-api"));
      return {
        status: result.statusCode ?? 200,
        headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
        body: result.body ?? "",
      };
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return { status: 405, headers: { "content-type": "text/plain" }, body: "method not allowed" };
    }
    return deskAsset(root, path.slice("/desk/".length));
  };
}

/** The HTTP API's event for a desk API request (route `ANY /desk/api/{proxy+}`). */
function apiEvent(request: DeskHttpRequest): APIGatewayProxyEventV2 {
  const query: Record<string, string> = {};
  for (const [name, value] of request.url.searchParams) {
    query[name] = query[name] ? `${query[name]},${value}` : value;
  }
  const now = Date.now();
  const routeKey = "ANY /desk/api/{proxy+}";
  return {
    version: "2.0",
    routeKey,
    rawPath: request.url.pathname,
    rawQueryString: request.url.search.slice(1),
    headers: request.headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: { proxy: request.url.pathname.slice(DESK_API_BASE.length + 1) },
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: request.headers.host ?? "127.0.0.1",
      domainPrefix: "local",
      http: {
        method: request.method,
        path: request.url.pathname,
        protocol: "HTTP/1.1",
        sourceIp: request.sourceIp,
        userAgent: request.headers["user-agent"] ?? "",
      },
      requestId: crypto.randomUUID(),
      routeKey,
      stage: "$default",
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: request.body.length ? request.body.toString("utf8") : undefined,
    isBase64Encoded: false,
  };
}

/**
 * Builds the desk (vite build, ~20 s) when desk/dist is missing or older than its sources, so `npm start`
 * always serves the app as the sources say.
 */
export async function ensureDeskBuilt(log: (line: string) => void, dir = DESK_DIR): Promise<void> {
  const dist = join(dir, "dist", "index.html");
  const built = await stat(dist).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = Math.max(
    await newest(join(dir, "src")),
    ...(await Promise.all(
      ["index.html", "vite.config.ts"].map((f) =>
        stat(join(dir, f)).then(
          (s) => s.mtimeMs,
          () => 0,
        ),
      ),
    )),
  );
  if (built > sources) return;
  log(
    built === 0
      ? "building the desk (vite build, ~20 s)…"
      : "the desk's sources changed: rebuilding it (~20 s)…",
  );
  const { build } = await import("vite");
  await withProductionNodeEnv(() =>
    build({ configFile: join(dir, "vite.config.ts"), mode: "production", logLevel: "warn" }),
  );
}

async function newest(folder: string): Promise<number> {
  let latest = 0;
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const s = await stat(join(entry.parentPath, entry.name));
    latest = Math.max(latest, s.mtimeMs);
  }
  return latest;
}
