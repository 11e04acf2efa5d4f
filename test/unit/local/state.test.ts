import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../support/temp-dirs";

/**
 * The state `npm start` leaves in .kefu/: two stacks coexist, and a leftover DynamoDB Local is killed
 * only once the process that spawned it is dead. Real processes stand in for the owners and for Java.
 */
const dir = tempDir("kefu-state-");
process.env.KEFU_STATE_DIR = dir;
const state = await import("../../../local/state");

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** A process that sleeps; `DynamoDBLocal` in its arguments makes it look like the jar to the check. */
function sleeper(...args: string[]): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", ...args], { stdio: "ignore" });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => child.once("exit", () => r()));

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

function writeRecord(port: number, record: Record<string, unknown>): void {
  mkdirSync(join(dir, "stacks"), { recursive: true });
  writeFileSync(join(dir, "stacks", `${port}.json`), JSON.stringify({ port, ...record }));
}

async function deadPid(): Promise<number> {
  const owner = sleeper();
  owner.kill("SIGKILL");
  await exited(owner);
  return owner.pid ?? 0;
}

describe("leftovers", () => {
  it("kills the DynamoDB Local of a stack whose owner died, and nothing of a stack whose owner runs", async () => {
    const runningOwner = sleeper();
    const runningJava = sleeper("DynamoDBLocal.jar");
    const orphanJava = sleeper("DynamoDBLocal.jar");
    writeRecord(3000, { owner: runningOwner.pid, java: runningJava.pid });
    writeRecord(3100, { owner: await deadPid(), java: orphanJava.pid });

    expect(await state.killLeftovers()).toEqual([orphanJava.pid]);
    await exited(orphanJava);
    expect(orphanJava.signalCode).toBe("SIGKILL");
    expect(alive(runningJava)).toBe(true);
    expect(existsSync(join(dir, "stacks", "3000.json"))).toBe(true);
    expect(existsSync(join(dir, "stacks", "3100.json"))).toBe(false);
    expect((await state.liveStacks()).map((s) => s.port)).toEqual([3000]);
  });

  it("leaves a recorded pid alone once it is no longer DynamoDB Local (pids are reused)", async () => {
    const notJava = sleeper("something-else");
    writeRecord(3200, { owner: await deadPid(), java: notJava.pid });
    expect(await state.killLeftovers()).toEqual([]);
    expect(alive(notJava)).toBe(true);
    expect(existsSync(join(dir, "stacks", "3200.json"))).toBe(false);
  });
});

describe("the environment the CLIs read", () => {
  afterEach(async () => {
    await state.removeStackRecord(4000);
    await state.removeStackRecord(4100);
    delete process.env.KEFU_PORT;
  });

  const envOf = (port: number) => ({ KEFU_PUBLIC_URL: `http://127.0.0.1:${port}` });

  it("is the stack on KEFU_PORT, or the one started last, and follows the stacks that still run", async () => {
    await state.saveStackRecord(4000, { env: envOf(4000) });
    await state.saveStackRecord(4100, { env: envOf(4100) });
    expect(await state.readLocalEnv()).toEqual(envOf(4100));
    expect(await state.readLocalEnv("4000")).toEqual(envOf(4000));

    // The last one stops: the env file now names the other, for faq:import too.
    await state.removeStackRecord(4100);
    expect(await state.readLocalEnv()).toEqual(envOf(4000));
    expect(JSON.parse(readFileSync(state.LOCAL_ENV_FILE, "utf8"))).toEqual(envOf(4000));
    await expect(state.readLocalEnv("4100")).rejects.toThrow(/not running on port 4100/);

    await state.removeStackRecord(4000);
    expect(existsSync(state.LOCAL_ENV_FILE)).toBe(false);
    await expect(state.readLocalEnv()).rejects.toBeInstanceOf(state.NoLocalStackError);
  });

  it("skips an env file whose stack died, for one that runs", async () => {
    await state.saveStackRecord(4000, { env: envOf(4000) });
    writeRecord(4100, { owner: await deadPid(), env: envOf(4100) });
    writeFileSync(state.LOCAL_ENV_FILE, JSON.stringify(envOf(4100)));
    expect(await state.readLocalEnv()).toEqual(envOf(4000));
    await expect(state.readLocalEnv("4100")).rejects.toBeInstanceOf(state.NoLocalStackError);
  });
});
