import { afterAll, beforeAll } from "vitest";
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

/**
 * Starts one stack for the calling test file (beforeAll) and stops it after (afterAll). Read `.stack`
 * inside tests.
 */
export function useTestStack(name: string, options: LocalStackOptions = {}): { readonly stack: LocalStack } {
  let stack: LocalStack | undefined;
  beforeAll(async () => {
    stack = await startTestStack(name, options);
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return {
    get stack(): LocalStack {
      if (!stack) throw new Error("the test stack is not started yet");
      return stack;
    },
  };
}
