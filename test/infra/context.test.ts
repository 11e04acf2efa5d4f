import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { stackPropsFromContext } from "../../infra/context";

/** CDK context as `app.node.tryGetContext` gives it: command-line values are strings, cdk.json's are JSON. */
const context = (values: Record<string, unknown>) => (key: string) => values[key];

describe("CDK context", () => {
  it("refuses an engine it does not know, instead of silently meaning bedrock", () => {
    expect(() => stackPropsFromContext(context({ engine: "lcoal" }))).toThrow(
      "engine must be local or bedrock",
    );
  });

  it("refuses an egress that is neither true nor false", () => {
    expect(() => stackPropsFromContext(context({ egress: "yes" }))).toThrow("egress must be true or false");
  });

  it("ships source maps only when asked, and refuses a value that is neither true nor false", () => {
    expect(stackPropsFromContext(context({}))).toMatchObject({ sourceMaps: false });
    expect(stackPropsFromContext(context({ sourceMaps: "true" }))).toMatchObject({ sourceMaps: true });
    expect(stackPropsFromContext(context({ sourceMaps: true }))).toMatchObject({ sourceMaps: true });
    expect(() => stackPropsFromContext(context({ sourceMaps: "yes" }))).toThrow(
      "sourceMaps must be true or false",
    );
  });

  it("reads cdk.json's values and the command line's alike; empty is unset", () => {
    expect(stackPropsFromContext(context({ engine: "local", egress: false }))).toMatchObject({
      engine: "local",
      egress: false,
    });
    expect(stackPropsFromContext(context({ egress: "true", engine: "" }))).toMatchObject({
      engine: "bedrock",
      egress: true,
    });
    expect(
      stackPropsFromContext(context({ KEFU_SMS_MAX_SEGMENTS: 2, emailFrom: "support@example.com" })),
    ).toMatchObject({
      emailFrom: "support@example.com",
      channelSettings: { KEFU_SMS_MAX_SEGMENTS: "2" },
    });
  });

  it("stops `cdk synth -c engine=lcoal` before anything is synthesised, saying why", () => {
    // What the CDK CLI does: run the app with the context in CDK_CONTEXT_JSON.
    const run = spawnSync(process.execPath, ["--import", "tsx", "infra/app.ts"], {
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ engine: "lcoal" }) },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("engine must be local or bedrock");
  });
});
