import { defineConfig } from "vitest/config";

/**
 * Five projects, one command. Unit tests mock AWS at the SDK boundary; integration and e2e tests talk to
 * real DynamoDB Local and the fauxqs SQS/S3 emulator, started once per run by the global setup on free
 * loopback ports; infra tests synthesise the CDK stack and run cdk-nag; browser tests drive the desk web app
 * in Chromium.
 */
// The AWS SDK warns on every client under Node 20 (supported until 2027); the warning is noise in tests.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
// Removes the folders each test file made with tempDir (test/support/temp-dirs.ts) when it is done.
const setupFiles = ["test/support/remove-temp-dirs.ts"];

export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], setupFiles } },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          globalSetup: ["test/integration/global-setup.ts"],
          setupFiles,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      { test: { name: "infra", include: ["test/infra/**/*.test.ts"], setupFiles, testTimeout: 120_000 } },
      {
        // The agents' desk in Debian's Chromium, built once and served with the development mock API.
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: ["desk/dev/browser.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
