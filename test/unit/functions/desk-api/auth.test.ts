/**
 * The desk API's token check (aws-jwt-verify) against a key set served over HTTP, as cognito-local serves
 * it locally and Cognito over HTTPS: only a current ID token of our pool's app client, signed with the
 * pool's key, gets in.
 */
import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cognitoAuthenticator } from "../../../../functions/desk-api/auth";
import { DeskApiError } from "../../../../functions/desk-api/route";

const pool = generateKeyPairSync("rsa", { modulusLength: 2048 });
const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });
const KID = "pool-key";
const CLIENT_ID = "desk-client";
let server: Server;
let issuer: string;
let jwksRequests = 0;

beforeAll(async () => {
  const jwk = { ...pool.publicKey.export({ format: "jwk" }), kid: KID, alg: "RS256", use: "sig" };
  server = createServer((req, res) => {
    if (req.url === "/local_pool/.well-known/jwks.json") {
      jwksRequests++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local_pool`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function sign(payload: Record<string, unknown>, key: KeyObject = pool.privateKey, kid = KID): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const head = `${encode({ alg: "RS256", typ: "JWT", kid })}.${encode(payload)}`;
  return `${head}.${createSign("RSA-SHA256").update(head).sign(key).toString("base64url")}`;
}

function idToken(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    aud: CLIENT_ID,
    token_use: "id",
    "cognito:username": "agent",
    "cognito:groups": ["agent", "unknown-group"],
    iat: now,
    exp: now + 3600,
    ...overrides,
  };
}

function authenticator() {
  return cognitoAuthenticator({
    userPoolId: "local_pool",
    clientId: CLIENT_ID,
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
  });
}

async function refusal(promise: Promise<unknown>): Promise<number | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof DeskApiError ? error.status : undefined;
}

describe("the desk's token check", () => {
  it("lets a current ID token of the app client in, with the desk's groups only", async () => {
    const user = await authenticator()(`Bearer ${sign(idToken())}`);
    expect(user).toEqual({ id: "agent", groups: ["agent"] });
  });

  it("fetches the key set once for many requests", async () => {
    const authenticate = authenticator();
    const before = jwksRequests;
    for (let i = 0; i < 3; i++) await authenticate(`Bearer ${sign(idToken())}`);
    expect(jwksRequests - before).toBe(1);
  });

  it.each([
    ["no header", undefined],
    ["not a bearer token", "Basic YWdlbnQ6cGFzcw=="],
    ["garbage", "Bearer not.a.jwt"],
    ["signed by another key (forged)", `Bearer ${sign(idToken(), stranger.privateKey)}`],
    ["a tampered payload", `Bearer ${tamper(sign(idToken()))}`],
    ["expired", `Bearer ${sign(idToken({ exp: Math.floor(Date.now() / 1000) - 60 }))}`],
    ["another app client", `Bearer ${sign(idToken({ aud: "someone-else" }))}`],
    ["another issuer", `Bearer ${sign(idToken({ iss: "https://cognito-idp.us-east-1.amazonaws.com/x" }))}`],
    ["an access token", `Bearer ${sign(idToken({ token_use: "access" }))}`],
    ["an unknown key id", `Bearer ${sign(idToken(), pool.privateKey, "other-kid")}`],
    ["no user name", `Bearer ${sign(idToken({ "cognito:username": undefined }))}`],
  ])("refuses %s with 401", async (_case, header) => {
    expect(await refusal(authenticator()(header))).toBe(401);
  });

  it("answers 503 (not 401) when the key set cannot be fetched", async () => {
    const unreachable = cognitoAuthenticator({
      userPoolId: "local_pool",
      clientId: CLIENT_ID,
      issuer,
      jwksUri: `${issuer}/missing/jwks.json`,
    });
    expect(await refusal(unreachable(`Bearer ${sign(idToken())}`))).toBe(503);
  });
});

/** The same token with one claim changed and the original signature kept. */
function tamper(token: string): string {
  const [head, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
  claims["cognito:groups"] = ["admin"];
  return `${head}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
}
