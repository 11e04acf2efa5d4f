import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as FaqImportCli from "../../../local/cli/faq-import";
import type * as FaqRestoreCli from "../../../local/cli/faq-restore";
import type { ImportReport } from "../../../shared/kb/import/import";
import { tempDir } from "../../support/temp-dirs";

/** Runs a CLI's main in-process and keeps what it prints. */
async function run(cli: typeof FaqImportCli.main, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cli(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join("\n"), err: err.join("\n"), errLines: err.length };
}

// The CLIs find `npm start` through the env file in KEFU_STATE_DIR: an empty folder here, so nothing in
// this file can reach a stack that happens to be running. The modules are loaded after setting it.
let stateDir: string;
let faqImport: typeof FaqImportCli.main;
let summarize: typeof FaqImportCli.summarize;
let faqRestore: typeof FaqRestoreCli.main;
const savedStateDir = process.env.KEFU_STATE_DIR;
beforeAll(async () => {
  stateDir = tempDir("kefu-faq-cli-");
  process.env.KEFU_STATE_DIR = stateDir;
  ({ main: faqImport, summarize } = await import("../../../local/cli/faq-import"));
  ({ main: faqRestore } = await import("../../../local/cli/faq-restore"));
  // The CLIs import the whole local stack: seconds on a quiet machine, over 10 s on a loaded one.
}, 60_000);
afterAll(() => {
  if (savedStateDir === undefined) delete process.env.KEFU_STATE_DIR;
  else process.env.KEFU_STATE_DIR = savedStateDir;
});

describe("npm run faq:import", () => {
  it("prints its usage for --help and -h, and exits 0", async () => {
    for (const flag of ["--help", "-h"]) {
      const r = await run(faqImport, [flag]);
      expect(r.code).toBe(0);
      expect(r.out).toContain("usage: npm run faq:import -- <file>");
      expect(r.out).toContain("--kb");
      expect(r.out).toContain("UTF-8");
    }
  });

  it("answers a missing file with one line and exit code 2, before looking for the local stack", async () => {
    const r = await run(faqImport, ["nosuch.csv"]);
    expect(r.code).toBe(2);
    expect(r.errLines).toBe(1);
    expect(r.err).toBe("faq:import: cannot read nosuch.csv: there is no such file");
  });

  it("answers a directory, an unknown option or a bad timeout with one line and exit code 2", async () => {
    expect(await run(faqImport, [stateDir])).toMatchObject({ code: 2, errLines: 1 });
    const unknown = await run(faqImport, ["--bogus"]);
    expect(unknown).toMatchObject({ code: 2, errLines: 2 });
    expect(unknown.err).toContain("--bogus");
    expect(unknown.err).toContain("usage:");
    expect(await run(faqImport, ["--timeout", "soon", "x.csv"])).toMatchObject({ code: 2, errLines: 1 });
  });

  it("says in one line that the local stack is not running", async () => {
    const file = join(stateDir, "faq.csv");
    await writeFile(file, "id,question,answer\n");
    const r = await run(faqImport, [file]);
    expect(r.code).toBe(1);
    expect(r.errLines).toBe(1);
    expect(r.err).toContain("npm start");
  });

  it("shows an empty file's report as a warning", () => {
    const report: ImportReport = {
      upload: "uploads/faq.csv",
      kb: "default",
      version: null,
      status: "empty",
      done: true,
      counts: { total: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0, rejected: 0 },
      rejected: [],
      warning: { code: "no_rows", message: "The file has no rows." },
      language: "en",
      startedAt: "2024-01-01T00:00:00.000Z",
      finishedAt: "2024-01-01T00:00:00.000Z",
      durationMs: 1,
    };
    expect(summarize(report)).toContain("warning no_rows: The file has no rows.");
  });
});

describe("npm run faq:restore", () => {
  it("prints its usage for --help, and exits 0", async () => {
    const r = await run(faqRestore, ["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("usage: npm run faq:restore --");
    expect(r.out).toContain("--list");
    expect(r.out).toContain("--version");
  });

  it("answers an unexpected argument with the usage and exit code 2", async () => {
    const r = await run(faqRestore, ["v1"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("usage:");
  });

  it("says in one line that the local stack is not running", async () => {
    const r = await run(faqRestore, ["--list"]);
    expect(r).toMatchObject({ code: 1, errLines: 1 });
    expect(r.err).toContain("npm start");
  });
});
