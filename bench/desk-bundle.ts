/**
 * The desk's first-load weight: builds desk/ with Vite, then measures, gzipped, the JavaScript a browser
 * fetches before the first page renders (the entry script and every module it preloads) against the
 * issue's budget of 300 KB, and lists the largest chunks (lazy pages included). Run: `npm run desk:bundle`
 * (or `npx tsx bench/desk-bundle.ts --no-build` to measure desk/dist as it is).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

export const INITIAL_JS_BUDGET_BYTES = 300 * 1024;
const DESK = new URL("../desk/", import.meta.url).pathname;
export const DESK_DIST = join(DESK, "dist");

export interface Chunk {
  file: string;
  bytes: number;
  gzipBytes: number;
  initial: boolean;
}

export interface BundleReport {
  chunks: Chunk[];
  initialJsGzipBytes: number;
  initialJsBytes: number;
  cssGzipBytes: number;
}

/** The scripts index.html loads at once: its module entry and the modules it preloads. */
function initialScripts(indexHtml: string): Set<string> {
  const files = new Set<string>();
  for (const match of indexHtml.matchAll(
    /<script[^>]+src="([^"]+\.js)"|<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g,
  )) {
    const url = match[1] ?? match[2] ?? "";
    files.add(url.slice(url.lastIndexOf("/assets/") + 1));
  }
  return files;
}

export async function measureDeskBundle(dist = DESK_DIST): Promise<BundleReport> {
  const initial = initialScripts(await readFile(join(dist, "index.html"), "utf8"));
  if (initial.size === 0) throw new Error(`no script found in ${join(dist, "index.html")}`);
  const chunks: Chunk[] = [];
  let cssGzipBytes = 0;
  for (const name of await readdir(join(dist, "assets"))) {
    const body = await readFile(join(dist, "assets", name));
    const gzipBytes = gzipSync(body, { level: 9 }).length;
    if (name.endsWith(".css")) cssGzipBytes += gzipBytes;
    if (!name.endsWith(".js")) continue;
    chunks.push({
      file: `assets/${name}`,
      bytes: body.length,
      gzipBytes,
      initial: initial.has(`assets/${name}`),
    });
  }
  chunks.sort((a, b) => b.gzipBytes - a.gzipBytes);
  const initialChunks = chunks.filter((c) => c.initial);
  return {
    chunks,
    initialJsGzipBytes: initialChunks.reduce((sum, c) => sum + c.gzipBytes, 0),
    initialJsBytes: initialChunks.reduce((sum, c) => sum + c.bytes, 0),
    cssGzipBytes,
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  if (!process.argv.includes("--no-build")) {
    const { build } = await import("vite");
    await build({ configFile: join(DESK, "vite.config.ts"), mode: "production", logLevel: "warn" });
  }
  const report = await measureDeskBundle();
  const within = report.initialJsGzipBytes <= INITIAL_JS_BUDGET_BYTES;
  process.stdout.write(
    `\nDesk first load\n---------------\n` +
      `initial JS   ${kb(report.initialJsGzipBytes)} gzipped (${kb(report.initialJsBytes)} raw), budget ${kb(INITIAL_JS_BUDGET_BYTES)}: ${within ? "within" : "OVER"}\n` +
      `CSS          ${kb(report.cssGzipBytes)} gzipped\n\nLargest chunks (gzipped, raw, loaded at first or on demand)\n`,
  );
  for (const chunk of report.chunks.slice(0, 10)) {
    process.stdout.write(
      `${kb(chunk.gzipBytes).padStart(9)}  ${kb(chunk.bytes).padStart(9)}  ${chunk.initial ? "initial  " : "lazy     "}${chunk.file}\n`,
    );
  }
  if (!within) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.env.NODE_ENV = "production";
  await main();
}
