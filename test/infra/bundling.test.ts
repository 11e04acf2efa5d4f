import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import type { CfnResource, Stage } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import type { KefuStack } from "../../infra/kefu-stack";
import { SYNTH_TIMEOUT_MS, synthKefu } from "./synth";

/**
 * The webhook's bundle budget, minified, as CDK uploads it (issue 10): it loads on every cold start,
 * inside the platforms' 5 s. Measured: 1,928 KB while it carried e-mail's MIME and charset libraries and
 * S3 for large queue bodies; 575 KB with its HTTPS channels only and no S3; 442 KB with the
 * environment-only credential chain; about 210 KB with signed fetch instead of the SDK v3 and no middy;
 * 194 KB with its metrics as EMF lines of its own instead of Powertools' Metrics (bench/bundles.ts).
 */
const WEBHOOK_BUDGET_BYTES = 232 * 1024;

// The one place the real handlers go through esbuild, as in `cdk synth`: once for the file.
let stack: KefuStack;
let template: Template;
let outdir: string;
beforeAll(() => {
  const synth = synthKefu();
  ({ stack, template } = synth);
  outdir = (synth.app as Stage).outdir;
}, SYNTH_TIMEOUT_MS);

/** The staged asset directory of a function: `asset.<hash>`, the hash being the code's S3 key. */
function assetDir(fn: IConstruct, synth = { stack, template, outdir }): string {
  const id = synth.stack.getLogicalId(fn.node.defaultChild as CfnResource);
  const key = synth.template.toJSON().Resources[id].Properties.Code.S3Key as string;
  return path.join(synth.outdir, `asset.${key.replace(/\.zip$/, "")}`);
}

function environmentOf(fn: IConstruct, synth = { stack, template }): Record<string, unknown> {
  const id = synth.stack.getLogicalId(fn.node.defaultChild as CfnResource);
  return synth.template.toJSON().Resources[id].Properties.Environment?.Variables ?? {};
}

describe("bundling", () => {
  it("produces one minified ESM file per function, exporting `handler`, without a source map", () => {
    const fns = {
      webhook: stack.ingress.webhook.fn,
      worker: stack.pipeline.worker.fn,
      ingest: stack.knowledgeBase.ingest.fn,
    };
    const dirs = new Set<string>();
    for (const [name, fn] of Object.entries(fns)) {
      const dir = assetDir(fn);
      dirs.add(dir);
      expect(existsSync(path.join(dir, "index.mjs")), name).toBe(true);
      // No map unless asked for (-c sourceMaps=true, below): Node would parse it at every cold start.
      expect(existsSync(path.join(dir, "index.mjs.map")), name).toBe(false);
      expect(environmentOf(fn).NODE_OPTIONS, name).toBeUndefined();
      const code = readFileSync(path.join(dir, "index.mjs"), "utf8");
      // The banner that lets bundled CommonJS dependencies call require() inside an ES module.
      expect(code.startsWith("import { createRequire as __kefuCreateRequire }"), name).toBe(true);
      expect(code, name).toMatch(/export\s*\{[^}]*\bas handler\b|export\s*\{[^}]*\bhandler\b/);
    }
    expect(dirs.size).toBe(3);
  });

  it("bundles the AWS SDK instead of relying on the runtime's copy", () => {
    const code = readFileSync(path.join(assetDir(stack.pipeline.worker.fn), "index.mjs"), "utf8");
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(code).toContain("aws-sdk-js");
    expect(code).toContain(`"DynamoDB_20120810"`);
  });

  it("gives the webhook no AWS SDK, no middy, no Powertools Metrics: its calls are signed fetch (issue 10, cold start)", () => {
    const code = readFileSync(path.join(assetDir(stack.ingress.webhook.fn), "index.mjs"), "utf8");
    // The SDK's user agent and its smithy runtime, in every client it bundles; middy's name.
    expect(code).not.toMatch(/aws-sdk-js|@smithy|smithy-client|middy/);
    // Nor Powertools' Metrics (its warning on an empty publish): its counts are EMF lines of its own.
    expect(code).not.toContain("No application metrics to publish");
    expect(code).toContain(`"AmazonSQS"`);
    expect(code).toContain(`"DynamoDB_20120810"`);
    expect(code).toContain("AWS4-HMAC-SHA256");
  });
});

describe("bundle size", () => {
  it("keeps the webhook within its budget (it loads on every cold start, inside the platforms' 5 s)", () => {
    const bytes = statSync(path.join(assetDir(stack.ingress.webhook.fn), "index.mjs")).size;
    expect(
      bytes,
      `the webhook bundle is ${Math.round(bytes / 1024)} KB, over its ${WEBHOOK_BUDGET_BYTES / 1024} KB budget: ` +
        "see what grew with `npx tsx bench/bundles.ts --analyze webhook`",
    ).toBeLessThanOrEqual(WEBHOOK_BUDGET_BYTES);
  });

  it("keeps the webhook bundle pure ASCII (one other byte makes V8 hold the whole source as two-byte text)", () => {
    const bytes = readFileSync(path.join(assetDir(stack.ingress.webhook.fn), "index.mjs"));
    const at = bytes.findIndex((byte) => byte >= 0x80);
    expect(
      at,
      `byte ${at} of the webhook bundle is not ASCII: "${bytes.subarray(Math.max(0, at - 60), at + 20).toString("utf8")}" ` +
        "(esbuild escapes strings and regular expressions, not String.raw templates)",
    ).toBe(-1);
  });

  it("bundles the webhook with the role's credentials read from the environment, none of the SDK's chain", () => {
    const code = readFileSync(path.join(assetDir(stack.ingress.webhook.fn), "index.mjs"), "utf8");
    expect(code).toContain("AWS_ACCESS_KEY_ID");
    // Names only the providers Lambda never reaches read: web identity, container, process, SSO.
    for (const marker of [
      "AWS_WEB_IDENTITY_TOKEN_FILE",
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      "credential_process",
      "sso_start_url",
    ]) {
      expect(code, marker).not.toContain(marker);
    }
    // The worker keeps the SDK's chain (the webhook has no SDK client: shared/config/aws-credentials.ts).
    const worker = readFileSync(path.join(assetDir(stack.pipeline.worker.fn), "index.mjs"), "utf8");
    expect(worker).toContain("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  });

  it("bundles none of the senders' clients, nor Bedrock, nor the full zod, into the webhook", () => {
    const code = readFileSync(path.join(assetDir(stack.ingress.webhook.fn), "index.mjs"), "utf8");
    // Service names of the SDK clients the webhook must not carry (each client's own endpoint rules).
    for (const service of [
      "SESv2",
      "PinpointSMSVoiceV2",
      "AmazonBedrockFrontendService",
      "AmazonSimpleNotificationService",
    ]) {
      expect(code, service).not.toContain(`"${service}"`);
    }
    // A method only the full zod attaches to every schema (zod/mini has none).
    expect(code).not.toContain("toJSONSchema");
  });
});

describe("bundling with -c sourceMaps=true", () => {
  let mapped: { stack: KefuStack; template: Template; outdir: string };
  beforeAll(() => {
    const synth = synthKefu({ sourceMaps: true });
    mapped = { stack: synth.stack, template: synth.template, outdir: (synth.app as Stage).outdir };
  }, SYNTH_TIMEOUT_MS);

  it("ships a source map with each function and enables it", () => {
    const fns = [
      mapped.stack.ingress.webhook.fn,
      mapped.stack.pipeline.worker.fn,
      mapped.stack.knowledgeBase.ingest.fn,
    ];
    for (const fn of fns) {
      expect(existsSync(path.join(assetDir(fn, mapped), "index.mjs.map")), fn.node.path).toBe(true);
      expect(environmentOf(fn, mapped).NODE_OPTIONS, fn.node.path).toBe("--enable-source-maps");
    }
  });
});
