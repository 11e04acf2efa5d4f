import { inject } from "vitest";

/**
 * The environment of the local services started by test/integration/global-setup.ts: the same variable
 * names the functions read in AWS (table names, queue URL, bucket) plus the emulator endpoints.
 */
export function testEnv(): Record<string, string> {
  return { ...inject("kefuEnv") };
}
