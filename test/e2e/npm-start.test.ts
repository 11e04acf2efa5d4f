import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../../local/emulators";
import { wechatPush } from "../../local/platforms/wechat";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { tempDir } from "../support/temp-dirs";
import { waitFor } from "../support/wait";

/**
 * `npm start` as a user runs it: the ready line, a working webhook, and Ctrl-C that stops everything it
 * started (no orphaned Java), so that a second start works at once; two starts on two ports side by
 * side; and a start after a kill -9 that cleans up only what the dead one left.
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
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
    : new Promise<{ code: number | null; signal: string | null }>((resolve) =>
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

const ready = (output: () => string) =>
  waitFor(() => /Kefu is ready/.test(output()) || /could not start/.test(output()), {
    timeoutMs: 120_000,
    intervalMs: 200,
    what: "the ready line",
  });

const record = (stateDir: string, port: number) =>
  JSON.parse(readFileSync(join(stateDir, "stacks", `${port}.json`), "utf8")) as {
    owner: number;
    java: number;
  };

/** Ctrl-C in the terminal: SIGINT to the whole foreground process group. */
async function interrupt(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  const done = exited(child);
  process.kill(-(child.pid ?? 0), "SIGINT");
  return done;
}

const credentials = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;

/** A WeChat question to the stack on `port`, answered through its simulator's outbox. */
async function answers(port: number, openId: string): Promise<boolean> {
  const url = `http://127.0.0.1:${port}`;
  const push = wechatPush(credentials, { openId, text: "怎么申请退货？" });
  const response = await fetch(`${url}${push.path}`, {
    method: "POST",
    headers: push.headers,
    body: push.body,
  });
  if (response.status !== 200) return false;
  await waitFor(
    async () =>
      ((await (await fetch(`${url}/dev/outbox`)).json()) as { to: string }[]).some((e) => e.to === openId),
    { what: `the reply on port ${port}` },
  );
  return true;
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

describe("npm start", () => {
  it("gets ready, serves the webhook, and stops everything on Ctrl-C, twice in a row", async () => {
    const stateDir = tempDir("kefu-start-");
    for (let run = 0; run < 2; run++) {
      const port = await freePort();
      const { child, output } = start(port, stateDir);
      // The port answers before the stack's modules have loaded: 503 "starting", not a refused connection.
      const first = await waitFor(
        () =>
          fetch(`http://127.0.0.1:${port}/ready`).then(
            async (r) => ({ status: r.status, body: (await r.json()) as { stage?: string } }),
            () => undefined,
          ),
        { timeoutMs: 60_000, intervalMs: 20, what: "the port to answer" },
      );
      expect(first).toMatchObject({ status: 503, body: { stage: "loading Kefu" } });
      await ready(output);
      expect(output()).toContain(`http://127.0.0.1:${port}`);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      const { java } = record(stateDir, port);
      expect(alive(java)).toBe(true);

      // npm passes the terminal's SIGINT on and may itself end by that signal; Kefu exits cleanly.
      const { code, signal } = await interrupt(child);
      expect(code === 0 || signal === "SIGINT").toBe(true);
      await waitFor(() => !alive(java), { timeoutMs: 10_000, what: "DynamoDB Local to stop" });
      await waitFor(() => !existsSync(join(stateDir, "local-env.json")), { what: "the env file to go" });
      expect(existsSync(join(stateDir, "stacks", `${port}.json`))).toBe(false);
      expect(output()).not.toMatch(/error/i);
    }
  }, 240_000);

  it("runs two stacks on two ports side by side, and a later start cleans up only after a dead one", async () => {
    const stateDir = tempDir("kefu-two-");
    const [portA = 0, portB = 0, portC = 0] = await distinctFreePorts(3);
    const a = start(portA, stateDir);
    const b = start(portB, stateDir);
    const started = [a, b];
    try {
      await Promise.all([ready(a.output), ready(b.output)]);
      expect(a.output()).toContain("Kefu is ready");
      expect(b.output()).toContain("Kefu is ready");
      expect(await answers(portA, "o-two-a")).toBe(true);
      expect(await answers(portB, "o-two-b")).toBe(true);
      const recordA = record(stateDir, portA);
      const recordB = record(stateDir, portB);
      expect(alive(recordA.java) && alive(recordB.java)).toBe(true);

      // B's npm start dies hard: its DynamoDB Local stays behind, A is untouched.
      process.kill(recordB.owner, "SIGKILL");
      await exited(b.child);
      expect(alive(recordB.java)).toBe(true);

      const c = start(portC, stateDir);
      started.push(c);
      await ready(c.output);
      expect(c.output()).toContain(`stopped DynamoDB Local (pid ${recordB.java})`);
      await waitFor(() => !alive(recordB.java), { timeoutMs: 10_000, what: "B's leftover to be killed" });
      expect(alive(recordA.java)).toBe(true);
      expect(await answers(portA, "o-two-a-again")).toBe(true);
      expect(await answers(portC, "o-two-c")).toBe(true);

      // A start on A's port stops at once, names the owner and suggests a port that is free.
      const again = start(portA, stateDir);
      started.push(again);
      const { code } = await exited(again.child);
      expect(code).toBe(1);
      expect(again.output()).toContain(
        `port ${portA} is in use: another Kefu (pid ${recordA.owner}) serves it`,
      );
      const suggested = Number(/KEFU_PORT=(\d+) npm start/.exec(again.output())?.[1]);
      expect(suggested).not.toBe(portA);
      expect(suggested).toBeGreaterThan(0);
      expect(alive(recordA.java)).toBe(true);

      const recordC = record(stateDir, portC);
      await Promise.all([interrupt(a.child), interrupt(c.child)]);
      await waitFor(() => !alive(recordA.java) && !alive(recordC.java), {
        timeoutMs: 10_000,
        what: "both DynamoDB Locals to stop",
      });
    } finally {
      for (const { child } of started) {
        try {
          process.kill(-(child.pid ?? 0), "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }
  }, 300_000);
});
