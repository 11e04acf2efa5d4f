import { existsSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import type { CfnResource, Stage } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KefuStack } from "../../infra/kefu-stack";
import { SYNTH_TIMEOUT_MS, synthKefu } from "./synth";

// The one place the real handlers go through esbuild, as in `cdk synth`: once for the file.
let stack: KefuStack;
let template: Template;
let outdir: string;
beforeAll(() => {
  const synth = synthKefu();
  ({ stack, template } = synth);
  outdir = (synth.app as Stage).outdir;
}, SYNTH_TIMEOUT_MS);
// The bundles are a few MB per run in a temporary directory.
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The staged asset directory of a function: `asset.<hash>`, the hash being the code's S3 key. */
function assetDir(fn: IConstruct): string {
  const id = stack.getLogicalId(fn.node.defaultChild as CfnResource);
  const key = template.toJSON().Resources[id].Properties.Code.S3Key as string;
  return path.join(outdir, `asset.${key.replace(/\.zip$/, "")}`);
}

describe("bundling", () => {
  it("produces one minified ESM file with a source map per function, exporting `handler`", () => {
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
      expect(existsSync(path.join(dir, "index.mjs.map")), name).toBe(true);
      const code = readFileSync(path.join(dir, "index.mjs"), "utf8");
      // The banner that lets bundled CommonJS dependencies call require() inside an ES module.
      expect(code.startsWith("import { createRequire as __kefuCreateRequire }"), name).toBe(true);
      expect(code, name).toMatch(/export\s*\{[^}]*\bas handler\b|export\s*\{[^}]*\bhandler\b/);
    }
    expect(dirs.size).toBe(3);
  });

  it("bundles the AWS SDK instead of relying on the runtime's copy", () => {
    const code = readFileSync(path.join(assetDir(stack.ingress.webhook.fn), "index.mjs"), "utf8");
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(code).toContain(`"AmazonSQS"`);
    expect(code).toContain(`"SendMessage"`);
  });
});
