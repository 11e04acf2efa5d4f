import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { CfnResource, Stage } from "aws-cdk-lib";
import { beforeAll, describe, expect, it } from "vitest";
import type { KefuStack } from "../../infra/kefu-stack";
import { SYNTH_TIMEOUT_MS, synthKefu } from "./synth";

// The one place the real handlers go through esbuild, as in `cdk synth`: once for the file.
let stack: KefuStack;
let outdir: string;
beforeAll(() => {
  const synth = synthKefu();
  stack = synth.stack;
  outdir = (synth.app as Stage).outdir;
}, SYNTH_TIMEOUT_MS);

/** The asset directory a function's code was staged in. */
function assetDir(fn: { node: { defaultChild?: unknown } }): string {
  const cfn = fn.node.defaultChild as CfnResource;
  const assetPath = cfn.getMetadata("aws:asset:path") as string;
  return path.join(outdir, assetPath);
}

describe("bundling", () => {
  const fns = () =>
    ({
      webhook: stack.ingress.webhook.fn,
      worker: stack.pipeline.worker.fn,
      ingest: stack.knowledgeBase.ingest.fn,
    }) as const;

  it("produces one minified ESM file with a source map per function", () => {
    for (const [name, fn] of Object.entries(fns())) {
      const dir = assetDir(fn);
      expect(existsSync(path.join(dir, "index.mjs")), name).toBe(true);
      expect(existsSync(path.join(dir, "index.mjs.map")), name).toBe(true);
      const code = readFileSync(path.join(dir, "index.mjs"), "utf8");
      // The banner that lets bundled CommonJS dependencies call require() inside an ES module.
      expect(code.startsWith("import { createRequire as __kefuCreateRequire }"), name).toBe(true);
      expect(code, name).toMatch(/export\s*\{[^}]*\bhandler\b/);
    }
  });
});
