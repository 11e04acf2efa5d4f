/**
 * Signing in with Cognito's JSON API by direct fetch (USER_PASSWORD_AUTH, the NEW_PASSWORD_REQUIRED
 * challenge of invited agents, REFRESH_TOKEN_AUTH), the same calls against AWS and the local emulator. The
 * session lives in localStorage so a second tab and a reload stay signed in; the ID token is short-lived
 * and refreshed before it expires.
 */
import { CognitoError } from "./cognito-error";
import type { DeskConfig, Group } from "./types";

export { CognitoError };

export interface Session {
  username: string;
  idToken: string;
  refreshToken: string;
  /** Epoch milliseconds at which the ID token expires. */
  expiresAt: number;
  groups: Group[];
}

export type SignInResult =
  | { kind: "signed-in"; session: Session }
  | { kind: "new-password"; username: string; challengeSession: string };

interface AuthenticationResult {
  IdToken: string;
  RefreshToken?: string;
  ExpiresIn?: number;
}

interface InitiateAuthResponse {
  AuthenticationResult?: AuthenticationResult;
  ChallengeName?: string;
  Session?: string;
}

async function cognitoCall<T>(config: DeskConfig, target: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(config.cognito.endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new CognitoError("NetworkError", "cannot reach Cognito");
  }
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    // Cognito names the exception in __type, sometimes prefixed with a namespace ("…#NotAuthorizedException").
    const type =
      String(json.__type ?? "UnknownError")
        .split("#")
        .pop() ?? "UnknownError";
    throw new CognitoError(type, String(json.message ?? json.Message ?? type));
  }
  return json as T;
}

/** The claims of a JWT, decoded without verification: the API verifies; the app only reads exp and groups. */
export function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")), (c) =>
    c.charCodeAt(0),
  );
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

function sessionFrom(result: AuthenticationResult, refreshToken: string): Session {
  const claims = jwtClaims(result.IdToken);
  const groups = Array.isArray(claims["cognito:groups"]) ? (claims["cognito:groups"] as Group[]) : [];
  const username = String(claims["cognito:username"] ?? claims.username ?? "");
  const exp =
    typeof claims.exp === "number" ? claims.exp * 1000 : Date.now() + (result.ExpiresIn ?? 3600) * 1000;
  return { username, idToken: result.IdToken, refreshToken, expiresAt: exp, groups };
}

export async function signIn(config: DeskConfig, username: string, password: string): Promise<SignInResult> {
  const response = await cognitoCall<InitiateAuthResponse>(config, "InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config.cognito.clientId,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  if (response.ChallengeName === "NEW_PASSWORD_REQUIRED" && response.Session) {
    return { kind: "new-password", username, challengeSession: response.Session };
  }
  const result = response.AuthenticationResult;
  if (!result?.RefreshToken) {
    throw new CognitoError(response.ChallengeName ?? "UnsupportedChallenge", "unsupported sign-in step");
  }
  return { kind: "signed-in", session: sessionFrom(result, result.RefreshToken) };
}

export async function answerNewPassword(
  config: DeskConfig,
  username: string,
  challengeSession: string,
  newPassword: string,
): Promise<Session> {
  const response = await cognitoCall<InitiateAuthResponse>(config, "RespondToAuthChallenge", {
    ChallengeName: "NEW_PASSWORD_REQUIRED",
    ClientId: config.cognito.clientId,
    Session: challengeSession,
    ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
  });
  const result = response.AuthenticationResult;
  if (!result?.RefreshToken) throw new CognitoError("UnsupportedChallenge", "unsupported sign-in step");
  return sessionFrom(result, result.RefreshToken);
}

export async function refreshSession(config: DeskConfig, session: Session): Promise<Session> {
  const response = await cognitoCall<InitiateAuthResponse>(config, "InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    ClientId: config.cognito.clientId,
    AuthParameters: { REFRESH_TOKEN: session.refreshToken },
  });
  if (!response.AuthenticationResult) throw new CognitoError("NotAuthorizedException", "refresh refused");
  // Cognito does not rotate the refresh token by default: keep the one we have unless a new one came.
  return sessionFrom(
    response.AuthenticationResult,
    response.AuthenticationResult.RefreshToken ?? session.refreshToken,
  );
}

// ---- the session store (one per tab, persisted, observable from React) ----

const STORAGE_KEY = "kefu-desk-session";
type Listener = () => void;
const listeners = new Set<Listener>();
let current: Session | null = load();
/** Why the last session ended, shown on the login page ("expired"), cleared by the next sign-in. */
let endReason: "expired" | null = null;

function load(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export const sessionStore = {
  get: (): Session | null => current,
  endReason: () => endReason,
  set(session: Session | null, reason: "expired" | null = null): void {
    current = session;
    endReason = session ? null : reason;
    if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else localStorage.removeItem(STORAGE_KEY);
    for (const listener of listeners) listener();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

// Another tab signing in or out changes this one too.
window.addEventListener("storage", (event) => {
  if (event.key !== STORAGE_KEY) return;
  current = load();
  for (const listener of listeners) listener();
});
