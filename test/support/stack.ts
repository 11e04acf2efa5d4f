import { afterAll, beforeAll } from "vitest";
import { cognitoCall } from "../../local/cognito";
import type { PlatformRequest } from "../../local/platforms/wechat";
import type { OutboxEntry } from "../../local/simulator/outbox";
import type { LocalStack, LocalStackOptions } from "../../local/stack";
import { testEnv } from "./local-env";

/**
 * The local stack for one end-to-end test file, on the run's shared emulators (started by the global
 * setup) with its own tables, queue and bucket, the example FAQ imported, on a free port. Handlers read
 * process.env when they load, so one stack per test file.
 */
export async function startTestStack(name: string, options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = testEnv();
  // Imported here so that a test can set KEFU_STATE_DIR before the stack module reads it.
  const { startLocalStack } = await import("../../local/stack");
  return startLocalStack({
    port: 0,
    emulators: { dynamoEndpoint: env.KEFU_DYNAMODB_ENDPOINT ?? "", awsEndpoint: env.KEFU_AWS_ENDPOINT ?? "" },
    prefix: `e2e-${name}-${process.pid}`,
    seed: true,
    ...options,
  });
}

/** A test file's stack and what its tests do with it: platforms' requests, the outbox, the desk API. */
export interface TestStack {
  readonly stack: LocalStack;
  /** Sends a platform's request (local/platforms/*: signed, encrypted as the platform does) to the stack. */
  deliver(request: PlatformRequest): Promise<Response>;
  /** What the stack sent to one recipient on one channel (the simulators' outbox), oldest first. */
  repliesTo(channel: string, to: string): OutboxEntry[];
  /** The desk API as the demo users, with ID tokens from the stack's cognito-local. */
  readonly desk: DeskCaller;
}

/**
 * Starts one stack for the calling test file (beforeAll) and stops it after (afterAll). Read `.stack`
 * inside tests. A stack with the desk also starts cognito-local: more than the default hook time on a
 * busy machine.
 */
export function useTestStack(name: string, options: LocalStackOptions = {}): TestStack {
  let stack: LocalStack | undefined;
  beforeAll(
    async () => {
      stack = await startTestStack(name, options);
    },
    options.desk ? 180_000 : undefined,
  );
  afterAll(async () => {
    await stack?.stop();
  });
  const current = (): LocalStack => {
    if (!stack) throw new Error("the test stack is not started yet");
    return stack;
  };
  const desk = deskCaller(
    () => current().url,
    () => deskSignIn(current()),
  );
  return {
    get stack() {
      return current();
    },
    deliver: (request) => deliver(current(), request),
    repliesTo: (channel, to) => current().outbox.entries.filter((e) => e.channel === channel && e.to === to),
    desk,
  };
}

/** Sends a platform's request to a stack (a GET carries no body). */
export function deliver(stack: Pick<LocalStack, "url">, request: PlatformRequest): Promise<Response> {
  return fetch(`${stack.url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.method === "GET" ? {} : { body: request.body }),
  });
}

/** Where a desk's users sign in: a Cognito JSON endpoint (cognito-local, or the dev mock's), its client. */
export interface DeskSignIn {
  endpoint: string;
  clientId: string;
  password: string;
}

/** The stack's cognito-local, as the desk signs in to it. */
export function deskSignIn(stack: LocalStack): DeskSignIn {
  if (!stack.desk) throw new Error("the stack serves no desk: start it with the desk option");
  return {
    endpoint: stack.desk.cognito.endpoint,
    clientId: stack.desk.cognito.clientId,
    password: stack.desk.password,
  };
}

/** An ID token for a user, signed in with USER_PASSWORD_AUTH as the desk does. */
export async function idToken(signIn: DeskSignIn, username: string): Promise<string> {
  const { AuthenticationResult } = await cognitoCall<{ AuthenticationResult: { IdToken: string } }>(
    signIn.endpoint,
    "InitiateAuth",
    {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: signIn.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: signIn.password },
    },
  );
  return AuthenticationResult.IdToken;
}

export interface DeskCaller {
  /** The user's ID token (one sign-in per user and file). */
  token(username: string): Promise<string>;
  /** One desk API call as a user (or with a given token), its status and JSON body. */
  api<T = Record<string, unknown>>(
    as: string | { token: string },
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
}

/** Desk API calls against an origin serving `/desk/api`, signing users in where `signIn` says. */
export function deskCaller(origin: () => string, signIn: () => DeskSignIn): DeskCaller {
  const tokens = new Map<string, Promise<string>>();
  const token = (username: string) => {
    let cached = tokens.get(username);
    if (!cached) {
      cached = idToken(signIn(), username);
      tokens.set(username, cached);
      // A failed sign-in is not kept: the next call tries again.
      cached.catch(() => tokens.delete(username));
    }
    return cached;
  };
  return {
    token,
    async api<T>(as: string | { token: string }, method: string, path: string, body?: unknown) {
      const bearer = typeof as === "string" ? await token(as) : as.token;
      const response = await fetch(`${origin()}/desk/api${path}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as T };
    },
  };
}
