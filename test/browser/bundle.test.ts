/**
 * The budget for the desk's first load: at most 300 KB of JavaScript, gzipped, before the first
 * page renders. Measured on the production build the browser project's global setup made.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DESK_DIST, INITIAL_JS_BUDGET_BYTES, measureDeskBundle } from "../../bench/desk-bundle";
import { DEFAULT_DEMO_PASSWORD } from "../../desk/dev/mock-api";
import deskConfig from "../../desk/vite.config";

describe("the desk's bundle", () => {
  it("loads at most 300 KB of gzipped JavaScript at first and leaves the occasional pages to later", async () => {
    const report = await measureDeskBundle();
    expect(report.initialJsGzipBytes).toBeGreaterThan(0);
    expect(report.initialJsGzipBytes).toBeLessThanOrEqual(INITIAL_JS_BUDGET_BYTES);
    const lazy = report.chunks.filter((chunk) => !chunk.initial).map((chunk) => chunk.file);
    for (const page of ["ChangesPage", "AgentsPage", "KnowledgePage"]) {
      expect(lazy.some((file) => file.includes(page))).toBe(true);
    }
    // The development mock API (its fake Cognito endpoint, its demo password) is never part of the build.
    for (const chunk of report.chunks) {
      const body = await readFile(join(DESK_DIST, chunk.file), "utf8");
      expect(body).not.toContain("/dev/cognito/");
      expect(body).not.toContain(DEFAULT_DEMO_PASSWORD);
    }
  });

  it("builds without Vite's large-chunk warning: every chunk is under the limit the config sets", async () => {
    const { chunks } = await measureDeskBundle();
    // Vite warns when a chunk's code is over the limit in thousands of characters; bytes are never fewer.
    const limit = deskConfig.build?.chunkSizeWarningLimit ?? 500;
    const over = chunks.filter((chunk) => chunk.bytes / 1000 > limit).map((chunk) => chunk.file);
    expect(over).toEqual([]);
  });
});
