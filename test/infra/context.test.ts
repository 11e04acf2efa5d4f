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

  it("refuses an option the stack does not have, naming the one it likely meant", () => {
    // `-c egres=true` used to synthesise a stack without the fixed IP, silently.
    expect(() => stackPropsFromContext(context({ egres: "true" }), ["egres"])).toThrow(
      "-c egres: no such option (did you mean egress?)",
    );
    expect(() => stackPropsFromContext(context({ AlarmEmail: "ops@example.com" }), ["AlarmEmail"])).toThrow(
      "(did you mean alarmEmail?)",
    );
    expect(() => stackPropsFromContext(context({ colour: "blue" }), ["colour"])).toThrow(
      /-c colour: no such option$/,
    );
    // A setting the functions read but the stack takes no context for is refused too, not ignored.
    expect(() => stackPropsFromContext(context({}), ["KEFU_REPORT_TIME_ZONE"])).toThrow("no such option");
  });

  it("leaves CDK's own context keys alone", () => {
    const cdkKeys = [
      "aws:cdk:enable-path-metadata",
      "@aws-cdk/core:failSynthOnValidationErrors",
      "availability-zones:account=123456789012:region=us-east-1",
      // Written to cdk.context.json by `cdk acknowledge 34892` and `cdk cli-telemetry --disable`.
      "acknowledged-issue-numbers",
      "cli-telemetry",
    ];
    expect(stackPropsFromContext(context({ egress: "true" }), ["egress", ...cdkKeys])).toMatchObject({
      egress: true,
    });
  });

  it("refuses an alarm or agent address that is not an e-mail address", () => {
    expect(() => stackPropsFromContext(context({ alarmEmail: "ops-example.com" }))).toThrow(
      "alarmEmail must be an e-mail address",
    );
    expect(() => stackPropsFromContext(context({ agentEmail: "desk" }))).toThrow(
      "agentEmail must be an e-mail address",
    );
    expect(stackPropsFromContext(context({ alarmEmail: "ops@example.com", agentEmail: "" }))).toMatchObject({
      alarmEmail: "ops@example.com",
      agentEmail: undefined,
    });
  });

  it("stops `cdk synth -c egres=true` with the message alone, not a stack trace", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "infra/app.ts"], {
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ egres: "true" }) },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe("invalid CDK context: -c egres: no such option (did you mean egress?)");
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
