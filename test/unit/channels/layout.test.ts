import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CHANNEL_MODULES } from "../../../shared/channels/registry";
import { CHANNELS } from "../../../shared/core/message";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CHANNELS_DIR = join(ROOT, "shared/channels");
const CORE_DIR = join(ROOT, "shared/core");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** A file's code without its comments, blanked in place so that positions stay where they were. */
function code(path: string): string {
  const blank = (comment: string) => comment.replace(/[^\n]/g, " ");
  return readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, blank)
    .replace(/\/\/[^\n]*/g, blank);
}

const CHANNEL_NAME = `(["'\`])(?:${CHANNELS.join("|")})\\1`;

/**
 * The ways code branches on a channel's name: compares with it (`channel === "sms"`), switches on it
 * (`case "sms":`), looks it up in a list (`["sms", "twilio"].includes(…)`) or keys an object with it
 * (`{ sms: "…" }`).
 */
const CHANNEL_BRANCHES = [
  new RegExp(`[!=]==?\\s*${CHANNEL_NAME}`, "g"),
  new RegExp(`${CHANNEL_NAME}\\s*[!=]==?`, "g"),
  new RegExp(`\\bcase\\s+${CHANNEL_NAME}\\s*:`, "g"),
  new RegExp(`\\[[^\\]]*${CHANNEL_NAME}[^\\]]*\\]\\s*\\)?\\s*\\.(?:includes|has)\\(`, "g"),
  new RegExp(`[{,\\s](?:${CHANNELS.join("|")}|${CHANNEL_NAME})\\s*:(?!:)`, "g"),
];

/** Where the core may name a channel: for what it does there, never for what it says to a customer. */
const CORE_CHANNEL_BEHAVIOUR: Record<string, string> = {
  "desk/desk.ts maskIdentity": "the form of a masked identity: a phone number, an address, an open id",
  "redact.ts mask": "`email` is a kind of personal data there, not the channel",
  "redact.ts redactPersonalData": "`email` is a kind of personal data there, not the channel",
};

/** "file function" for every place in shared/core that branches on a channel's name. */
function coreChannelBranches(): Set<string> {
  const found = new Set<string>();
  for (const path of sources(CORE_DIR)) {
    const text = code(path);
    const declarations = [
      ...text.matchAll(/^(?:export\s+)?(?:async\s+)?(?:function\*?\s+|const\s+|let\s+|class\s+)(\w+)/gm),
    ];
    for (const pattern of CHANNEL_BRANCHES) {
      for (const match of text.matchAll(pattern)) {
        const enclosing = declarations.filter((d) => (d.index ?? 0) < (match.index ?? 0)).at(-1);
        found.add(`${relative(CORE_DIR, path)} ${enclosing?.[1] ?? "(top)"}`);
      }
    }
  }
  return found;
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

  it("leave the core no branch on a channel's name that picks wording (only the behaviour listed)", () => {
    expect([...coreChannelBranches()].sort()).toEqual(Object.keys(CORE_CHANNEL_BEHAVIOUR).sort());
    // The files that word the core's sentences name no channel at all, not even in a comment.
    for (const file of ["desk/csat.ts", "texts.ts"]) {
      const text = readFileSync(join(CORE_DIR, file), "utf8");
      expect({ file, named: text.match(new RegExp(CHANNEL_NAME, "g")) }).toEqual({ file, named: null });
    }
  });
});
