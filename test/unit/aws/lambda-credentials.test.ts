import { afterEach, describe, expect, it, vi } from "vitest";
import { defaultProvider } from "../../../shared/aws/lambda-credentials";

/** The credential chain the webhook's bundle uses in place of the SDK's (esbuild alias, kefu-function.ts). */
describe("the environment-only credential chain", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("reads the role's credentials from the environment, as Lambda sets them", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret-example");
    vi.stubEnv("AWS_SESSION_TOKEN", "token-example");
    const credentials = await defaultProvider()();
    expect(credentials).toMatchObject({
      accessKeyId: "ASIAEXAMPLE",
      secretAccessKey: "secret-example",
      sessionToken: "token-example",
    });
  });

  it("fails with the SDK's named error when the environment has none, instead of looking elsewhere", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", undefined);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", undefined);
    await expect(defaultProvider()()).rejects.toMatchObject({ name: "CredentialsProviderError" });
  });

  it("stands in for the SDK's default chain with the same export", async () => {
    const sdk = await import("@aws-sdk/credential-provider-node");
    expect(typeof sdk.defaultProvider).toBe("function");
    const stand: typeof sdk.defaultProvider = defaultProvider;
    expect(stand).toBe(defaultProvider);
  });
});
