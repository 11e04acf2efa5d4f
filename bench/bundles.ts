/**
 * Size and cold initialisation of every Lambda bundle as CDK synthesises it: the stack is synthesised
 * with bundling (the same esbuild run as `npx cdk synth`), then each function's `index.mjs` is imported
 * in a fresh Node process with the environment the stack gives it (CloudFormation references replaced by
 * well-formed values), so its configuration is loaded and validated and its clients made, as in a Lambda
 * cold start. Init is the time `import()` of the bundle takes; each bundle is imported RUNS times and the
 * median and maximum are printed. Run: `npx tsx bench/bundles.ts` (a synthesis takes a minute).
 */
import { execFile } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { cpus } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { CfnResource, Stage } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import { KefuFunction } from "../infra/constructs/kefu-function";
import type { KefuStack } from "../infra/kefu-stack";
import { synthKefu } from "../test/infra/synth";

const RUNS = 7;

export interface BundleFigures {
  name: string;
  bytes: number;
  sourceMap: boolean;
  initMs: { median: number; max: number };
}

/** The staged asset directory of a function: `asset.<hash>`, the hash being the code's S3 key. */
export function assetDir(stack: KefuStack, template: Template, outdir: string, fn: KefuFunction): string {
  const id = stack.getLogicalId(fn.fn.node.defaultChild as CfnResource);
  const key = template.toJSON().Resources[id].Properties.Code.S3Key as string;
  return path.join(outdir, `asset.${key.replace(/\.zip$/, "")}`);
}

/**
 * The function's environment as the template sets it, with CloudFormation references (table names, the
 * queue URL, the secret's ARN) replaced by values of the right shape.
 */
function environmentOf(stack: KefuStack, template: Template, fn: KefuFunction): Record<string, string> {
  const id = stack.getLogicalId(fn.fn.node.defaultChild as CfnResource);
  const variables = (template.toJSON().Resources[id].Properties.Environment?.Variables ?? {}) as Record<
    string,
    unknown
  >;
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, typeof value === "string" ? value : stand(name)]),
  );
}

function stand(name: string): string {
  if (name.endsWith("_URL")) return "https://sqs.us-west-2.amazonaws.com/123456789012/kefu-inbound.fifo";
  if (name.endsWith("_ARN") || name.endsWith("_ARNS"))
    return "arn:aws:secretsmanager:us-west-2:123456789012:secret:kefu";
  return "kefu-bench-value";
}

/** What the child process runs: import the bundle once, print how long it took. */
const PROBE = `
const started = performance.now();
await import(process.argv[1]);
process.stdout.write(JSON.stringify({ ms: performance.now() - started }));
`;

async function initOnce(file: string, env: Record<string, string>): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--input-type=module", "-e", PROBE, pathToFileURL(file).href],
    {
      env: {
        PATH: process.env.PATH ?? "",
        // What Lambda sets: a region and credentials in the environment.
        AWS_REGION: "us-west-2",
        AWS_ACCESS_KEY_ID: "bench",
        AWS_SECRET_ACCESS_KEY: "bench",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...env,
        // The function's own NODE_OPTIONS (--enable-source-maps) only matters when a map is shipped.
        NODE_OPTIONS: env.NODE_OPTIONS ?? "",
      },
    },
  );
  return (JSON.parse(stdout) as { ms: number }).ms;
}

export async function benchBundles(runs = RUNS): Promise<BundleFigures[]> {
  const { app, stack, template } = synthKefu();
  const outdir = (app as Stage).outdir;
  try {
    const functions = stack.node.findAll().filter((c): c is KefuFunction => c instanceof KefuFunction);
    const figures: BundleFigures[] = [];
    for (const fn of functions) {
      const dir = assetDir(stack, template, outdir, fn);
      const file = path.join(dir, "index.mjs");
      const env = environmentOf(stack, template, fn);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await initOnce(file, env));
      times.sort((a, b) => a - b);
      figures.push({
        name: fn.entry,
        bytes: statSync(file).size,
        sourceMap: existsSync(`${file}.map`),
        initMs: { median: round(times[Math.floor(times.length / 2)] ?? 0), max: round(times.at(-1) ?? 0) },
      });
    }
    return figures;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export function printBundles(figures: BundleFigures[]): void {
  console.log(`\nLambda bundles as synthesised (import in a fresh Node process, ${RUNS} runs)`);
  for (const f of figures) {
    console.log(
      `  ${f.name.padEnd(10)} ${(f.bytes / 1024).toFixed(0).padStart(6)} KB${f.sourceMap ? " + map" : ""}   init median ${f.initMs.median} ms, max ${f.initMs.max} ms`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}`);
  printBundles(await benchBundles());
}
