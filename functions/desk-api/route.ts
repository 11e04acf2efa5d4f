/**
 * The shape of one route of the agents' desk API (`/desk/api`, the contract in docs/desk-api.md). Each
 * area of the desk (tickets, knowledge base, teaching, agents…) exports a list of routes in
 * `functions/desk-api/routes/<area>.ts`; the router matches method and path, checks the caller's groups
 * and hands the request to `handle` with that area's dependencies. Nothing here knows HTTP or Lambda.
 */

/** Cognito groups. A supervisor is also an agent; `pii` may reveal masked customer identities. */
export type DeskGroup = "agent" | "supervisor" | "admin" | "pii";

/** The signed-in person, from the verified ID token. */
export interface DeskUser {
  id: string;
  groups: readonly DeskGroup[];
}

export interface DeskRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** The path below `/desk/api`, e.g. `/tickets/KF-12345678/claim`. */
  path: string;
  /** Named path parameters, e.g. `{ id: "KF-12345678" }` for `/tickets/:id/claim`. */
  params: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string | undefined>>;
  /** The parsed JSON body (undefined when there is none); each route validates it with zod. */
  body: unknown;
  user: DeskUser;
  now: Date;
}

export interface DeskResponse {
  status: number;
  body: unknown;
}

export interface DeskRoute<Deps> {
  method: DeskRequest["method"];
  /** With `:name` parameters: `/tickets/:id/reply`. */
  path: string;
  /** The caller needs at least one of these groups (403 `forbidden` otherwise). */
  groups: readonly DeskGroup[];
  handle(request: DeskRequest, deps: Deps): Promise<DeskResponse>;
}

/**
 * An answer the desk shows as it is: `{ error: code, message, messageZh, ...extra }` with the status
 * (401 unauthenticated, 403 forbidden, 404 not_found, 409 conflict codes, 422 validation_failed /
 * channel_closed, 502 channel_refused, 503 retry).
 */
export class DeskApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly messageZh: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = "DeskApiError";
  }
}
