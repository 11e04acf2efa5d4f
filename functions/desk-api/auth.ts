import { JwtVerifier } from "aws-jwt-verify";
import { FetchError } from "aws-jwt-verify/error";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { DeskAuthSettings } from "../../shared/config/desk";
import { DeskApiError, type DeskGroup } from "./route";
import { type Authenticate, unauthenticated } from "./router";

const GROUPS: readonly DeskGroup[] = ["agent", "supervisor", "admin", "pii"];
/** The key set must come back quickly: a sign-in waits for it. */
const JWKS_TIMEOUT_MS = 3000;

/**
 * Verifies Cognito ID tokens with aws-jwt-verify: the signature against the pool's published keys
 * (fetched once and cached, fetched again for an unknown key id), the issuer, the audience (the desk's
 * app client), `token_use: id` and the expiry. The same code runs in AWS, where the HTTP API's JWT
 * authorizer has checked the token already (this is defence in depth), and locally against cognito-local.
 */
export function cognitoAuthenticator(settings: DeskAuthSettings): Authenticate {
  const verifier = JwtVerifier.create(
    {
      issuer: settings.issuer,
      audience: settings.clientId,
      jwksUri: settings.jwksUri,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== "id") throw new Error("not an ID token");
      },
    },
    // The library's own fetcher speaks https only; the local emulator serves its keys over http.
    { jwksCache: new SimpleJwksCache({ fetcher: { fetch: fetchBytes } }) },
  );
  return async (authorization) => {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
    if (!token) throw unauthenticated();
    let payload: Record<string, unknown>;
    try {
      payload = (await verifier.verify(token)) as Record<string, unknown>;
    } catch (error) {
      // The keys could not be fetched: our problem, not the token's.
      if (error instanceof FetchError) {
        throw new DeskApiError(
          503,
          "retry",
          "Sign-in is unavailable; try again.",
          "登录服务暂不可用，请重试。",
        );
      }
      throw unauthenticated();
    }
    const id = String(payload["cognito:username"] ?? payload.username ?? "");
    if (!id) throw unauthenticated();
    const claimed = payload["cognito:groups"];
    const groups = (Array.isArray(claimed) ? claimed : []).filter((g): g is DeskGroup =>
      GROUPS.includes(g as DeskGroup),
    );
    return { id, groups };
  };
}

async function fetchBytes(uri: string): Promise<ArrayBuffer> {
  let response: Response;
  try {
    response = await fetch(uri, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS) });
  } catch (error) {
    throw new FetchError(uri, (error as Error).message);
  }
  if (!response.ok) throw new FetchError(uri, `status ${response.status}`);
  return response.arrayBuffer();
}
