import type { z } from "zod";
import {
  DeskApiError,
  type DeskGroup,
  type DeskRequest,
  type DeskResponse,
  type DeskRoute,
  type DeskUser,
} from "./route";

/**
 * The desk API's router: authenticates every request (there is no anonymous route), matches method and
 * path (`:name` parameters), checks the caller's groups, parses the JSON body and turns what a route
 * throws into the contract's error answers. Nothing here knows HTTP or Lambda either (handler.ts does).
 */

/** A route with its area's dependencies bound: what the router holds. */
export interface BoundRoute {
  method: DeskRequest["method"];
  path: string;
  groups: readonly DeskGroup[];
  handle(request: DeskRequest): Promise<DeskResponse>;
}

/** Binds an area's routes (routes/<area>.ts) to that area's dependencies. */
export function mount<Deps>(routes: readonly DeskRoute<Deps>[], deps: Deps): BoundRoute[] {
  return routes.map((route) => ({
    method: route.method,
    path: route.path,
    groups: route.groups,
    handle: (request) => route.handle(request, deps),
  }));
}

export interface IncomingDeskRequest {
  method: string;
  /** Below `/desk/api`. */
  path: string;
  query: Readonly<Record<string, string | undefined>>;
  /** The raw body (JSON), if any. */
  body: string | undefined;
  authorization: string | undefined;
  now: Date;
}

/** Verifies the bearer token; throws DeskApiError 401 when it is missing, expired or forged. */
export type Authenticate = (authorization: string | undefined) => Promise<DeskUser>;

export interface RouterOptions {
  authenticate: Authenticate;
  /** Told of an unexpected failure (a 500): its name and message are logged, never the request. */
  onError?(error: unknown, route: string): void;
}

/** A supervisor is also an agent (docs/desk-api.md): what the groups of a token allow. */
export function effectiveGroups(groups: readonly DeskGroup[]): Set<DeskGroup> {
  const all = new Set(groups);
  if (all.has("supervisor")) all.add("agent");
  return all;
}

export function hasGroup(user: DeskUser, ...groups: DeskGroup[]): boolean {
  const mine = effectiveGroups(user.groups);
  return groups.some((group) => mine.has(group));
}

export function createRouter(routes: readonly BoundRoute[], options: RouterOptions) {
  const compiled = routes.map((route) => ({ route, segments: route.path.split("/").filter(Boolean) }));

  function match(method: string, path: string) {
    const parts = path.split("/").filter(Boolean);
    let pathMatched = false;
    for (const { route, segments } of compiled) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const ok = segments.every((segment, i) => {
        const part = parts[i] ?? "";
        if (!segment.startsWith(":")) return segment === part;
        const value = decodeSegment(part);
        if (value === undefined || value === "") return false;
        params[segment.slice(1)] = value;
        return true;
      });
      if (!ok) continue;
      pathMatched = true;
      if (route.method === method) return { route, params };
    }
    return pathMatched ? "method" : undefined;
  }

  return async function route(incoming: IncomingDeskRequest): Promise<DeskResponse> {
    let routeName = `${incoming.method} ?`;
    try {
      const user = await options.authenticate(incoming.authorization);
      const found = match(incoming.method, incoming.path);
      if (found === undefined) throw notFound();
      if (found === "method") {
        throw new DeskApiError(405, "method_not_allowed", "Method not allowed.", "不支持该请求方法。");
      }
      routeName = `${found.route.method} ${found.route.path}`;
      if (!hasGroup(user, ...found.route.groups)) throw forbidden();
      return await found.route.handle({
        method: found.route.method,
        path: incoming.path,
        params: found.params,
        query: incoming.query,
        body: parseJson(incoming.body),
        user,
        now: incoming.now,
      });
    } catch (error) {
      return errorResponse(error, (unexpected) => options.onError?.(unexpected, routeName));
    }
  };
}

export function notFound(what = "Not found."): DeskApiError {
  return new DeskApiError(404, "not_found", what, "未找到。");
}

export function forbidden(): DeskApiError {
  return new DeskApiError(403, "forbidden", "Your role does not allow this.", "您的角色无权执行此操作。");
}

export function unauthenticated(): DeskApiError {
  return new DeskApiError(401, "unauthenticated", "Sign in again.", "请重新登录。");
}

export function validationFailed(fields: Record<string, string>, message?: string): DeskApiError {
  return new DeskApiError(
    422,
    "validation_failed",
    message ?? "Some fields are missing or invalid.",
    "部分字段缺失或无效。",
    { fields },
  );
}

/**
 * A request body as the route's schema wants it (no body reads as `{}`, so each missing field is named),
 * or 422 validation_failed naming each field with its first problem. Every route reads its body and query
 * through this or parseQuery: a ZodError that escapes a route is the server's own data failing its schema
 * (a 500), never the caller's input.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  return parseInput(schema, body ?? {}, "body");
}

/** The query string as the route's schema wants it, or 422 validation_failed naming each parameter. */
export function parseQuery<T extends z.ZodType>(
  schema: T,
  query: Readonly<Record<string, string | undefined>>,
): z.output<T> {
  return parseInput(schema, query, "query");
}

function parseInput<T extends z.ZodType>(schema: T, input: unknown, whole: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) fields[issue.path.join(".") || whole] ??= issue.message;
  throw validationFailed(fields);
}

/** The contract's error body for anything a route throws; a failure nobody expected says nothing more. */
export function errorResponse(error: unknown, onUnexpected: (error: unknown) => void): DeskResponse {
  if (error instanceof DeskApiError) {
    return {
      status: error.status,
      body: { ...error.extra, error: error.code, message: error.message, messageZh: error.messageZh },
    };
  }
  onUnexpected(error);
  return {
    status: 500,
    body: { error: "internal", message: "Something went wrong; try again.", messageZh: "出错了，请重试。" },
  };
}

function parseJson(raw: string | undefined): unknown {
  if (raw === undefined || raw.trim() === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw validationFailed({ body: "not JSON" }, "The request body is not JSON.");
  }
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
