import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The file of the local analytics key, under the state directory (`.kefu/`, KEFU_STATE_DIR). */
export const ANALYTICS_KEY_FILE = "analytics-key";

/**
 * The local stack's analytics key (KEFU_ANALYTICS_KEY): made once per install, 32 random bytes, and kept
 * under the state directory (readable by its owner only), so that the conversation ids of the events under
 * `.kefu/` stay the same across restarts. Two stacks starting at once keep whichever was written first.
 */
export async function localAnalyticsKey(stateDir: string): Promise<string> {
  const file = join(stateDir, ANALYTICS_KEY_FILE);
  const existing = await readKey(file);
  if (existing) return existing;
  await mkdir(stateDir, { recursive: true });
  // Written whole to a file of its own, then linked into place: a reader never sees half a key, and a
  // second writer's link fails (EEXIST) and reads the first one's.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(draft, randomBytes(32).toString("base64url"), { mode: 0o600 });
  try {
    await link(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await rm(draft, { force: true });
  }
  const key = await readKey(file);
  if (!key) throw new Error(`the analytics key in ${file} is empty`);
  return key;
}

async function readKey(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, "utf8")).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
