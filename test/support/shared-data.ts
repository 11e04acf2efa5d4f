import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is test/support/shared-data.ts), wherever the repository is checked out. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** `../shared/data` beside the repository: the evaluation data, read in place and never copied in. */
export const SHARED_DATA_DIR = resolve(REPO_ROOT, "..", "shared", "data");

/**
 * The path of a file or folder of the shared evaluation data. Throws when it is missing, so that a test
 * reading it fails with this message instead of passing without having looked at anything.
 */
export function sharedDataPath(...parts: string[]): string {
  const path = join(SHARED_DATA_DIR, ...parts);
  if (!existsSync(path)) {
    throw new Error(
      `shared evaluation data not found: ${path} (expected ../shared/data beside the repository root ` +
        `${REPO_ROOT}; these tests need it and do not pass without it)`,
    );
  }
  return path;
}
