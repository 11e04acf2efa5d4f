/**
 * Calls to /desk/api with the ID token. The token is refreshed shortly before it expires (one refresh
 * shared by every call in flight); a 401 gets one refresh and one retry, after which the session ends and
 * the app shows the login page. Failures are ApiError with the contract's code.
 */
import { CognitoError, refreshSession, type Session, sessionStore } from "./auth";
import type { ApiErrorBody, DeskConfig } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly messageZh?: string,
    readonly fields?: Record<string, string>,
    /** The whole error body, for answers that carry more (409 quality_findings: the findings). */
    readonly body?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Refresh this long before the token expires, so a call never leaves with a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

let refreshing: Promise<Session> | null = null;

function refreshOnce(config: DeskConfig, session: Session): Promise<Session> {
  refreshing ??= refreshSession(config, session)
    .then((fresh) => {
      sessionStore.set(fresh);
      return fresh;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

async function validSession(config: DeskConfig, forceRefresh: boolean): Promise<Session> {
  const session = sessionStore.get();
  if (!session) throw new ApiError(401, "unauthenticated", "not signed in");
  if (!forceRefresh && session.expiresAt - Date.now() > REFRESH_MARGIN_MS) return session;
  try {
    return await refreshOnce(config, session);
  } catch (error) {
    // A refused refresh token ends the session; an unreachable Cognito does not (the next call retries).
    if (error instanceof CognitoError && error.code !== "NetworkError") {
      sessionStore.set(null, "expired");
      throw new ApiError(401, "unauthenticated", "session ended");
    }
    throw new ApiError(0, "network", "cannot reach Cognito");
  }
}

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
}

export function createApiClient(config: DeskConfig): ApiClient {
  async function call<T>(method: string, path: string, body: unknown, retried: boolean): Promise<T> {
    const session = await validSession(config, retried);
    let response: Response;
    try {
      response = await fetch(`${config.apiBase}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${session.idToken}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "network", "cannot reach the desk API");
    }
    if (response.status === 401 && !retried) return call<T>(method, path, body, true);
    if (response.status === 401) {
      sessionStore.set(null, "expired");
      throw new ApiError(401, "unauthenticated", "session ended");
    }
    const json = (await response.json().catch(() => undefined)) as unknown;
    if (!response.ok) {
      const error = (json ?? {}) as Partial<ApiErrorBody>;
      throw new ApiError(
        response.status,
        error.error ?? `http_${response.status}`,
        error.message ?? response.statusText,
        error.messageZh,
        error.fields,
        json !== null && typeof json === "object" ? (json as Record<string, unknown>) : undefined,
      );
    }
    return json as T;
  }
  return {
    get: (path) => call("GET", path, undefined, false),
    post: (path, body) => call("POST", path, body ?? {}, false),
    put: (path, body) => call("PUT", path, body ?? {}, false),
  };
}
