import { describe, expect, it } from "vitest";
import { awsCredentialsSource, MissingAwsCredentialsError } from "../../../shared/config/aws-credentials";

/** The credentials the webhook signs its AWS calls with (shared/aws/fetch): Lambda's, or dummy ones locally. */
describe("the webhook's AWS credentials", () => {
  it("are the role's, from the environment Lambda sets, read at each call", () => {
    const env: Record<string, string | undefined> = {
      AWS_ACCESS_KEY_ID: "ASIAEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret-example",
      AWS_SESSION_TOKEN: "token-example",
    };
    const credentials = awsCredentialsSource({ mode: "aws" }, env);
    expect(credentials()).toEqual({
      accessKeyId: "ASIAEXAMPLE",
      secretAccessKey: "secret-example",
      sessionToken: "token-example",
    });
    env.AWS_SESSION_TOKEN = undefined;
    expect(credentials()).toEqual({ accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret-example" });
  });

  it("fail with a named error that names the variables, not their values, when Lambda set none", () => {
    const credentials = awsCredentialsSource({ mode: "aws" }, { AWS_ACCESS_KEY_ID: "ASIAEXAMPLE" });
    expect(() => credentials()).toThrow(MissingAwsCredentialsError);
    expect(() => credentials()).toThrow(/AWS_SECRET_ACCESS_KEY/);
    expect(() => credentials()).not.toThrow(/ASIAEXAMPLE/);
  });

  it("are dummy ones locally, whatever the environment holds: real ones must never reach the emulators", () => {
    const credentials = awsCredentialsSource(
      { mode: "local" },
      { AWS_ACCESS_KEY_ID: "ASIAREAL", AWS_SECRET_ACCESS_KEY: "real" },
    );
    expect(credentials()).toEqual({ accessKeyId: "local", secretAccessKey: "local" });
  });
});
