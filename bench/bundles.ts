/**
 * Size and cold initialisation of every Lambda bundle as CDK synthesises it: the stack is synthesised
 * with bundling (the same esbuild run as `npx cdk synth`), then each function's `index.mjs` is imported
 * in a fresh Node process with the environment the stack gives it (CloudFormation references replaced by
 * well-formed values), so its configuration is loaded and validated and its clients made, as in a Lambda
 * cold start. Init is the time `import()` of the bundle takes, in wall-clock and in CPU milliseconds of
 * the process (the CPU time is what a loaded host distorts least); each bundle is imported RUNS times and
 * the median and 90th percentile are printed, with the load average before and after.
 *
 * Run: `npx tsx bench/bundles.ts [--runs N] [--only webhook] [--analyze webhook] [--keep] [--against DIR]`
 * (a synthesis takes a minute). `--analyze <function>` prints what the bundle is made of, by package
 * (esbuild's metafile); `--keep` copies each bundle with its environment (`env.json`) to
 * $TMPDIR/kefu-bundles/<function>/ for profiling an import by hand. `--against DIR` compares with bundles
 * kept before (DIR/<function>/, say another branch's, copied away from $TMPDIR/kefu-bundles): each run
 * imports one and the other in turn, so that both see the same load on a shared machine.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs, promisify } from "node:util";
import type { CfnResource, Stage } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import { KefuFunction } from "../infra/constructs/kefu-function";
import type { KefuStack } from "../infra/kefu-stack";
import { synthKefu } from "../test/infra/synth";

const RUNS = 21;

interface Spread {
  median: number;
  p90: number;
}

export interface BundleFigures {
  name: string;
  bytes: number;
  sourceMap: boolean;
  /**
   * Whether the bundle is pure ASCII. One other byte (a literal esbuild cannot escape, such as a regex)
   * makes V8 hold the whole source as a two-byte string, slower to decode and parse at every cold start.
   */
  ascii: boolean;
  /** Wall-clock milliseconds of the import. */
  initMs: Spread;
  /** CPU milliseconds (user + system) the process spent on the import. */
  initCpuMs: Spread;
  /** Minified bytes by package (or by folder of ours), largest first; with `analyze` only. */
  parts?: [string, number][];
  /** The same function's kept bundle, imported in turn with this one; with `against` only. */
  against?: { dir: string; bytes: number; initMs: Spread; initCpuMs: Spread };
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

/** What the child process runs: import the bundle once, print how long it took, in wall and CPU time. */
const PROBE = `
const cpu = process.cpuUsage();
const started = performance.now();
await import(process.argv[1]);
const ms = performance.now() - started;
const { user, system } = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ ms, cpuMs: (user + system) / 1000 }));
`;

async function initOnce(file: string, env: Record<string, string>): Promise<{ ms: number; cpuMs: number }> {
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
  return JSON.parse(stdout) as { ms: number; cpuMs: number };
}

export interface BenchBundlesOptions {
  runs?: number;
  /** Only these functions (their folder names); all by default. */
  only?: string[];
  /** Break these functions' bundles down by package. */
  analyze?: string[];
  /**
   * Copy each bundle, with the function's environment (`env.json`), to KEEP_DIR, to profile an import
   * by hand (`node --cpu-prof`).
   */
  keep?: boolean;
  /** A folder of kept bundles (`<function>/index.mjs` + `env.json`) to import in turn with these. */
  against?: string;
}

export async function benchBundles(options: BenchBundlesOptions = {}): Promise<BundleFigures[]> {
  const runs = options.runs ?? RUNS;
  const analyze = options.analyze ?? [];
  const { app, stack, template } = synthKefu({}, { metafile: analyze.length > 0 });
  const outdir = (app as Stage).outdir;
  try {
    const functions = stack.node
      .findAll()
      .filter((c): c is KefuFunction => c instanceof KefuFunction)
      .filter((fn) => !options.only || options.only.includes(fn.entry));
    const figures: BundleFigures[] = [];
    for (const fn of functions) {
      const dir = assetDir(stack, template, outdir, fn);
      const file = path.join(dir, "index.mjs");
      const env = environmentOf(stack, template, fn);
      if (options.keep) keepAsset(dir, env, path.join(KEEP_DIR, fn.entry));
      const samples: { ms: number; cpuMs: number }[] = [];
      const other = options.against ? keptBundle(path.join(options.against, fn.entry)) : undefined;
      const otherSamples: { ms: number; cpuMs: number }[] = [];
      for (let i = 0; i < runs; i++) {
        samples.push(await initOnce(file, env));
        if (other) otherSamples.push(await initOnce(other.file, other.env));
      }
      figures.push({
        name: fn.entry,
        bytes: statSync(file).size,
        sourceMap: existsSync(`${file}.map`),
        ascii: isAscii(readFileSync(file)),
        initMs: spread(samples.map((s) => s.ms)),
        initCpuMs: spread(samples.map((s) => s.cpuMs)),
        ...(analyze.includes(fn.entry) ? { parts: partsOf(path.join(dir, "index.meta.json")) } : {}),
        ...(other
          ? {
              against: {
                dir: path.dirname(other.file),
                bytes: statSync(other.file).size,
                initMs: spread(otherSamples.map((s) => s.ms)),
                initCpuMs: spread(otherSamples.map((s) => s.cpuMs)),
              },
            }
          : {}),
      });
    }
    return figures;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    if (options.keep) console.log(`kept the bundles in ${KEEP_DIR}/<function>/ (index.mjs, env.json)`);
  }
}

/** Where `--keep` copies each bundle: CDK deletes its own temporary output when the process exits. */
const KEEP_DIR = path.join(tmpdir(), "kefu-bundles");

function keepAsset(dir: string, env: Record<string, string>, to: string): void {
  rmSync(to, { recursive: true, force: true });
  cpSync(dir, to, { recursive: true });
  writeFileSync(path.join(to, "env.json"), JSON.stringify(env, null, 2));
}

/** A bundle `--keep` copied, with the environment it was measured with. */
function keptBundle(dir: string): { file: string; env: Record<string, string> } {
  const file = path.join(dir, "index.mjs");
  if (!existsSync(file)) throw new Error(`no kept bundle at ${file} (make one with --keep)`);
  return {
    file,
    env: JSON.parse(readFileSync(path.join(dir, "env.json"), "utf8")) as Record<string, string>,
  };
}

function isAscii(bytes: Buffer): boolean {
  return bytes.every((byte) => byte < 0x80);
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { median: at(0.5), p90: at(0.9) };
}

/** Bytes of the bundle by npm package, or by folder for our own code, from esbuild's metafile. */
function partsOf(metafile: string): [string, number][] {
  const meta = JSON.parse(readFileSync(metafile, "utf8")) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const parts = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      const part = pkg ?? input.split("/").slice(0, 2).join("/");
      parts.set(part, (parts.get(part) ?? 0) + bytesInOutput);
    }
  }
  return [...parts].sort((a, b) => b[1] - a[1]);
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export function printBundles(figures: BundleFigures[], runs = RUNS): void {
  console.log(`\nLambda bundles as synthesised (import in a fresh Node process, ${runs} runs)`);
  for (const f of figures) {
    console.log(
      `  ${f.name.padEnd(11)} ${(f.bytes / 1024).toFixed(0).padStart(6)} KB${f.sourceMap ? " + map" : ""}` +
        `${f.ascii ? "" : " (not ASCII: a two-byte source)"}` +
        `   init median ${f.initMs.median} ms (CPU ${f.initCpuMs.median} ms),` +
        ` p90 ${f.initMs.p90} ms (CPU ${f.initCpuMs.p90} ms)`,
    );
    if (f.against) {
      const a = f.against;
      console.log(
        `  ${"against".padEnd(11)} ${(a.bytes / 1024).toFixed(0).padStart(6)} KB` +
          `   init median ${a.initMs.median} ms (CPU ${a.initCpuMs.median} ms),` +
          ` p90 ${a.initMs.p90} ms (CPU ${a.initCpuMs.p90} ms)   ${a.dir}`,
      );
    }
    for (const [part, bytes] of (f.parts ?? []).slice(0, 30)) {
      console.log(`      ${(bytes / 1024).toFixed(1).padStart(7)} KB  ${part}`);
    }
  }
}

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      runs: { type: "string" },
      only: { type: "string", multiple: true },
      analyze: { type: "string", multiple: true },
      keep: { type: "boolean" },
      against: { type: "string" },
    },
  });
  const runs = values.runs ? Number(values.runs) : RUNS;
  console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}`);
  console.log(`load average before: ${loadAverage()}`);
  const figures = await benchBundles({
    runs,
    ...(values.only ? { only: values.only } : {}),
    ...(values.analyze ? { analyze: values.analyze } : {}),
    ...(values.keep ? { keep: true } : {}),
    ...(values.against ? { against: values.against } : {}),
  });
  printBundles(figures, runs);
  console.log(`load average after: ${loadAverage()}`);
}
