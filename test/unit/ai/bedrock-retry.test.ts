import { ServiceUnavailableException, ValidationException } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { ModelTimeoutError, RetryExhaustedError } from "../../../shared/ai/errors";
import { backoffDelay, isRetryableBedrockError, withRetry, withTimeout } from "../../../shared/ai/retry";

describe("which errors are retried", () => {
  it.each([
    ["ThrottlingException", { name: "ThrottlingException" }, true],
    ["ModelNotReadyException", { name: "ModelNotReadyException" }, true],
    ["ServiceUnavailableException", new ServiceUnavailableException({ message: "x", $metadata: {} }), true],
    ["an HTTP 503 without a known name", { name: "Unknown", $metadata: { httpStatusCode: 503 } }, true],
    ["an HTTP 429", { name: "Unknown", $metadata: { httpStatusCode: 429 } }, true],
    ["ValidationException", new ValidationException({ message: "x", $metadata: {} }), false],
    [
      "AccessDeniedException (403)",
      { name: "AccessDeniedException", $metadata: { httpStatusCode: 403 } },
      false,
    ],
    ["a plain string", "boom", false],
  ])("%s → %s", (_, error, expected) => {
    expect(isRetryableBedrockError(error)).toBe(expected);
  });
});

describe("backoff", () => {
  it("grows exponentially, is capped, and is jittered below the cap", () => {
    expect(backoffDelay(0, 100, 1000, () => 0.999)).toBe(99);
    expect(backoffDelay(3, 100, 1000, () => 0.999)).toBe(799);
    expect(backoffDelay(10, 100, 1000, () => 0.999)).toBe(999);
    expect(backoffDelay(10, 100, 1000, () => 0)).toBe(0);
  });

  it("stops retrying when the signal aborts during a wait", async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        throw { name: "ThrottlingException" };
      },
      { maxAttempts: 10, baseDelayMs: 10_000, random: () => 0.5, signal: controller.signal },
    );
    setTimeout(() => controller.abort(new ModelTimeoutError(5)), 10);

    await expect(run).rejects.toBeInstanceOf(ModelTimeoutError);
    expect(calls).toBe(1);
  });

  it("wraps the last retryable error when attempts run out", async () => {
    const error = await withRetry(
      async () => {
        throw { name: "ThrottlingException", attempt: "last" };
      },
      { maxAttempts: 2, sleep: async () => {} },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as Error).cause).toMatchObject({ attempt: "last" });
  });
});

describe("timeout", () => {
  it("passes through a fast result", async () => {
    await expect(withTimeout(1000, async () => 42)).resolves.toBe(42);
  });

  it("rejects a slow call with ModelTimeoutError and aborts its signal", async () => {
    let seen: AbortSignal | undefined;
    const error = await withTimeout(20, (signal) => {
      seen = signal;
      return new Promise(() => {});
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelTimeoutError);
    expect(seen?.aborted).toBe(true);
  });
});
