import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../../local/emulators";
import { waitFor } from "../support/wait";

/**
 * `npm start` as a user runs it: the ready line, a working webhook, and Ctrl-C that stops everything it
 * started (no orphaned Java), so that a second start works at once.
 */
function start(port: number, stateDir: string): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn("npm", ["start", "--silent"], {
    env: { ...process.env, KEFU_PORT: String(port), KEFU_STATE_DIR: stateDir },
    detached: true, // its own process group, like a terminal's foreground job
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  return { child, output: () => output };
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("npm start", () => {
  it("gets ready, serves the webhook, and stops everything on Ctrl-C, twice in a row", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "kefu-start-"));
    for (let run = 0; run < 2; run++) {
      const port = await freePort();
      const { child, output } = start(port, stateDir);
      await waitFor(() => /Kefu is ready/.test(output()) || /could not start/.test(output()), {
        timeoutMs: 90_000,
        intervalMs: 200,
        what: "the ready line",
      });
      expect(output()).toContain(`http://127.0.0.1:${port}`);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      const { java } = JSON.parse(readFileSync(join(stateDir, "pids.json"), "utf8")) as { java: number };
      expect(alive(java)).toBe(true);

      const done = exited(child);
      process.kill(-(child.pid ?? 0), "SIGINT");
      // npm passes the terminal's SIGINT on and may itself end by that signal; Kefu exits cleanly.
      const { code, signal } = await done;
      expect(code === 0 || signal === "SIGINT").toBe(true);
      await waitFor(() => !alive(java), { timeoutMs: 10_000, what: "DynamoDB Local to stop" });
      await waitFor(() => !existsSync(join(stateDir, "local-env.json")), { what: "the env file to go" });
      expect(output()).not.toMatch(/error/i);
    }
  }, 240_000);
});
