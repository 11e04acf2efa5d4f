import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CHANNEL_MODULES } from "../../../shared/channels/registry";
import { CHANNELS } from "../../../shared/core/message";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CHANNELS_DIR = join(ROOT, "shared/channels");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** The files every channel folder has, one per job (README, "Layout"). */
const JOBS = ["credentials.ts", "inbound.ts", "normalise.ts", "outbound.ts", "module.ts", "sender.ts"];

describe("the channel folders", () => {
  it("give every channel the same files for the same jobs", () => {
    for (const channel of CHANNELS) {
      const files = readdirSync(join(CHANNELS_DIR, channel));
      expect({ channel, missing: JOBS.filter((job) => !files.includes(job)) }).toEqual({
        channel,
        missing: [],
      });
    }
  });

  it("call platform HTTP APIs only through http.ts", () => {
    const allowed = new Set(["http.ts"]);
    const callers = sources(CHANNELS_DIR)
      .filter((path) => /(?<![.\w])\w*fetch\s*\(/i.test(readFileSync(path, "utf8")))
      .map((path) => relative(CHANNELS_DIR, path));
    expect(callers.filter((path) => !allowed.has(path))).toEqual([]);
  });

  it("keep their texts out of the core, which only receives them through the modules", () => {
    const core = sources(join(ROOT, "shared/core")).map((path) => readFileSync(path, "utf8"));
    const channelSentences = CHANNEL_MODULES.flatMap((module) =>
      Object.values(module.texts ?? {}).flatMap((texts) => Object.values(texts ?? {})),
    );
    expect(channelSentences.length).toBeGreaterThan(0);
    for (const sentence of channelSentences) {
      expect(core.some((text) => text.includes(sentence))).toBe(false);
    }
  });
});
