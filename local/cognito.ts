import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./emulators";
import { shellEnv } from "./env";

/**
 * The local Cognito of `npm start`: cognito-local (npm) on loopback, with a fresh user pool, the desk's app
 * client (USER_PASSWORD_AUTH, refresh), the groups and the demo users `agent`, `supervisor`, `admin`. The
 * desk signs in against it exactly as against Cognito, and the desk API verifies its ID tokens with the
 * same code (it publishes its keys at `/<pool>/.well-known/jwks.json`).
 */

/** The documented default password of the demo users (KEFU_DESK_DEMO_PASSWORD overrides it). */
export const DEFAULT_DEMO_PASSWORD = "Kefu-Desk-Demo-1";

export const DESK_GROUPS = ["agent", "supervisor", "admin", "pii"] as const;

/** The demo users and their groups (a supervisor is also an agent by the desk's rules). */
export const DEMO_USERS: Readonly<Record<string, readonly (typeof DESK_GROUPS)[number][]>> = {
  agent: ["agent"],
  supervisor: ["supervisor"],
  admin: ["admin"],
};

export interface LocalCognito {
  /** The JSON API endpoint the desk calls (`POST /` with X-Amz-Target), ending in `/`. */
  endpoint: string;
  userPoolId: string;
  clientId: string;
  /** The `iss` of its tokens; the key set is at `<issuer>/.well-known/jwks.json`. */
  issuer: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

export class CognitoLocalError extends Error {
  readonly code = "cognito_local_failed";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CognitoLocalError";
  }
}

/**
 * Starts cognito-local in its own process, its data in `dataDir` (emptied first: like the other
 * emulators, the local stack starts clean), and provisions the pool. The child exits with its parent: it
 * listens on an IPC channel that closes when `npm start` goes, however it goes.
 */
export async function startLocalCognito(options: {
  dataDir: string;
  password: string;
  onSpawn?: (pid: number) => void | Promise<void>;
}): Promise<LocalCognito> {
  await rm(options.dataDir, { recursive: true, force: true });
  // cognito-local keeps its configuration and users under `.cognito/` of its working directory.
  await mkdir(join(options.dataDir, ".cognito"), { recursive: true });
  // Plain user names (agent, supervisor…), not e-mail addresses, as the desk's demo users have.
  await writeFile(
    join(options.dataDir, ".cognito", "config.json"),
    JSON.stringify({ UserPoolDefaults: { UsernameAttributes: [] } }),
  );
  const port = await freePort();
  const entry = createRequire(import.meta.url).resolve("cognito-local/lib/bin/start.js");
  const child = spawn(
    process.execPath,
    ["-e", `process.on("disconnect", () => process.exit(0)); require(${JSON.stringify(entry)});`],
    {
      cwd: options.dataDir,
      env: {
        ...shellEnv(),
        PORT: String(port),
        HOST: "127.0.0.1",
        AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: "1",
      },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-2000);
  });
  const endpoint = `http://127.0.0.1:${port}/`;
  const stop = () => stopChild(child, options.dataDir);
  try {
    if (child.pid) await options.onSpawn?.(child.pid);
    await waitUntilUp(child, endpoint, () => stderr);
    const pool = await provision(endpoint, options.password);
    return {
      endpoint,
      ...pool,
      issuer: `http://127.0.0.1:${port}/${pool.userPoolId}`,
      pid: child.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One call of Cognito's JSON API, as the AWS SDK and the desk make it. */
export async function cognitoCall<T = Record<string, unknown>>(
  endpoint: string,
  action: string,
  body: unknown,
): Promise<T> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(body),
  });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    throw new CognitoLocalError(
      `${action}: ${String(json.__type ?? response.status)} ${String(json.message ?? "")}`,
    );
  }
  return json as T;
}

async function provision(
  endpoint: string,
  password: string,
): Promise<{ userPoolId: string; clientId: string }> {
  const call = (action: string, body: unknown) =>
    cognitoCall<Record<string, Record<string, string>>>(endpoint, action, body);
  const { UserPool } = await call("CreateUserPool", {
    PoolName: "kefu-desk",
    UsernameAttributes: [],
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
  });
  const userPoolId = UserPool?.Id ?? "";
  const { UserPoolClient } = await call("CreateUserPoolClient", {
    UserPoolId: userPoolId,
    ClientName: "kefu-desk",
    ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  });
  const clientId = UserPoolClient?.ClientId ?? "";
  for (const group of DESK_GROUPS) await call("CreateGroup", { UserPoolId: userPoolId, GroupName: group });
  for (const [username, groups] of Object.entries(DEMO_USERS)) {
    await call("AdminCreateUser", {
      UserPoolId: userPoolId,
      Username: username,
      TemporaryPassword: password,
      MessageAction: "SUPPRESS",
    });
    await call("AdminSetUserPassword", {
      UserPoolId: userPoolId,
      Username: username,
      Password: password,
      Permanent: true,
    });
    for (const group of groups) {
      await call("AdminAddUserToGroup", { UserPoolId: userPoolId, Username: username, GroupName: group });
    }
  }
  if (!userPoolId || !clientId) throw new CognitoLocalError("cognito-local created no pool or client");
  return { userPoolId, clientId };
}

async function waitUntilUp(child: ChildProcess, endpoint: string, stderr: () => string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new CognitoLocalError(`cognito-local exited (code ${child.exitCode}): ${stderr().trim()}`);
    }
    try {
      const response = await fetch(new URL("health", endpoint));
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new CognitoLocalError("cognito-local did not start in time");
    await sleep(150);
  }
}

async function stopChild(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }
  await rm(dataDir, { recursive: true, force: true });
}
