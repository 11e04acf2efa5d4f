import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { portSetting, stateDirSetting } from "./env";

/**
 * What running local stacks leave on disk under `.kefu/` (KEFU_STATE_DIR lets tests use their own): one
 * record per stack, named by its port, saying which process owns it and which DynamoDB Local it spawned.
 * Two stacks on two ports coexist; a DynamoDB Local is killed as a leftover only once the process that
 * spawned it is gone (kill -9, a closed terminal), never while its owner runs.
 */

export const STATE_DIR = resolve(stateDirSetting());
/** The environment of the stack started last that still runs: what the CLIs use without KEFU_PORT. */
export const LOCAL_ENV_FILE = join(STATE_DIR, "local-env.json");
const STACKS_DIR = join(STATE_DIR, "stacks");

export interface StackRecord {
  port: number;
  /** The process that runs the stack (the `npm start` node process). */
  owner: number;
  /** When the owner started (Linux), so that a reused pid is not taken for the owner. */
  ownerStart?: string;
  /** The DynamoDB Local the stack spawned, if it spawned one. */
  java?: number;
  /** The environment the CLIs need (table names, queue URL, endpoints, public URL). */
  env?: Record<string, string>;
}

const recordFile = (port: number) => join(STACKS_DIR, `${port}.json`);

/** Writes (or updates) this process's record for the stack on `port`. */
export async function saveStackRecord(
  port: number,
  update: Partial<Omit<StackRecord, "port" | "owner">>,
): Promise<void> {
  const current = await readRecord(recordFile(port));
  const own = current?.owner === process.pid ? current : undefined;
  const record: StackRecord = {
    ...own,
    ...update,
    port,
    owner: process.pid,
    ...(processStart(process.pid) ? { ownerStart: processStart(process.pid) } : {}),
  };
  await mkdir(STACKS_DIR, { recursive: true });
  await writeFile(recordFile(port), JSON.stringify(record, null, 2));
  if (update.env) await writeFile(LOCAL_ENV_FILE, JSON.stringify(update.env, null, 2));
}

/**
 * Removes this process's record for `port`. The shared env file, if it was this stack's, then points at
 * another stack that still runs, or goes.
 */
export async function removeStackRecord(port: number): Promise<void> {
  const mine = await readRecord(recordFile(port));
  if (mine?.owner !== process.pid) return;
  await rm(recordFile(port), { force: true });
  const current = await readLocalEnvFile();
  if (!current || current.KEFU_PUBLIC_URL !== mine.env?.KEFU_PUBLIC_URL) return;
  const other = (await liveStacks()).find((s) => s.env);
  if (other?.env) await writeFile(LOCAL_ENV_FILE, JSON.stringify(other.env, null, 2));
  else await rm(LOCAL_ENV_FILE, { force: true });
}

/** The stacks whose owner still runs. */
export async function liveStacks(): Promise<StackRecord[]> {
  return (await allRecords()).filter(ownerAlive);
}

/**
 * Kills what stacks whose owner died left behind (their DynamoDB Local) and forgets them. Returns the
 * pids killed. Stacks whose owner runs are left alone, whatever their port.
 */
export async function killLeftovers(): Promise<number[]> {
  const killed: number[] = [];
  for (const record of await allRecords()) {
    if (ownerAlive(record)) continue;
    // Only if that pid is still a DynamoDB Local: pids are reused.
    if (record.java && (await commandLine(record.java)).includes("DynamoDBLocal")) {
      try {
        process.kill(record.java, "SIGKILL");
        killed.push(record.java);
      } catch {
        // Gone in the meantime.
      }
    }
    await rm(recordFile(record.port), { force: true });
  }
  const env = await readLocalEnvFile();
  if (env && !(await liveStacks()).some((s) => s.env?.KEFU_PUBLIC_URL === env.KEFU_PUBLIC_URL)) {
    await rm(LOCAL_ENV_FILE, { force: true });
  }
  return killed;
}

export class NoLocalStackError extends Error {
  readonly code = "no_local_stack";
  constructor(message: string) {
    super(message);
    this.name = "NoLocalStackError";
  }
}

/**
 * The environment of a running stack, for the CLIs: the one on KEFU_PORT when set, else the one started
 * last. Throws a NoLocalStackError saying what to do when there is none.
 */
export async function readLocalEnv(port = portSetting()): Promise<Record<string, string>> {
  if (port) {
    const record = await readRecord(recordFile(Number(port)));
    if (record?.env && ownerAlive(record)) return record.env;
    throw new NoLocalStackError(
      `Kefu is not running on port ${port}: start it with \`KEFU_PORT=${port} npm start\` in another terminal.`,
    );
  }
  // The env file names the stack started last; if its owner died, another one that runs will do.
  const live = (await liveStacks()).filter((s) => s.env);
  const file = await readLocalEnvFile();
  const env = live.find((s) => s.env?.KEFU_PUBLIC_URL === file?.KEFU_PUBLIC_URL)?.env ?? live.at(-1)?.env;
  if (env) return env;
  throw new NoLocalStackError("Kefu is not running here: start it with `npm start` in another terminal.");
}

async function readLocalEnvFile(): Promise<Record<string, string> | undefined> {
  return readFile(LOCAL_ENV_FILE, "utf8")
    .then((text) => JSON.parse(text) as Record<string, string>)
    .catch(() => undefined);
}

async function allRecords(): Promise<StackRecord[]> {
  const names = await readdir(STACKS_DIR).catch(() => [] as string[]);
  const records = await Promise.all(
    names.filter((n) => n.endsWith(".json")).map((n) => readRecord(join(STACKS_DIR, n))),
  );
  return records.filter((r): r is StackRecord => r !== undefined);
}

async function readRecord(file: string): Promise<StackRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(file, "utf8")) as StackRecord;
    return Number.isInteger(record.port) && Number.isInteger(record.owner) ? record : undefined;
  } catch {
    return undefined;
  }
}

function ownerAlive(record: StackRecord): boolean {
  try {
    process.kill(record.owner, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const started = processStart(record.owner);
  return !(record.ownerStart && started && started !== record.ownerStart);
}

/** The process's start time in clock ticks since boot (Linux /proc), or undefined elsewhere. */
function processStart(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Field 22; the command name (field 2) may hold spaces and parentheses, so count after the last ")".
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

/** The process's command line: /proc on Linux, `ps` elsewhere (macOS); empty when it is gone. */
async function commandLine(pid: number): Promise<string> {
  const proc = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
  if (proc !== undefined) return proc;
  const ps = spawnSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8" });
  return ps.status === 0 ? ps.stdout : "";
}
