import type { TestProject } from "vitest/node";
import { provisionResources, type RunningEmulators, startEmulators } from "../../local/emulators";

/**
 * Starts real DynamoDB Local and the fauxqs SQS/S3 emulator once for the integration and e2e tests, on
 * free loopback ports, and provisions the tables, queues and bucket from shared/resources.ts.
 */
let emulators: RunningEmulators | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  emulators = await startEmulators();
  const env = await provisionResources(emulators, `kefu-test-${process.pid}`);
  project.provide("kefuEnv", env);
  return async () => {
    await emulators?.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    kefuEnv: Record<string, string>;
  }
}
