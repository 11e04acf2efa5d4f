import { describe, expect, it } from "vitest";
import type { AnswerEngine } from "../../../shared/core/engine";
import type { StoredFaqEntry } from "../../../shared/kb/knowledge";
import { createEngineCache, type KnowledgeSource } from "../../../shared/kb/knowledge";

function source(initial: string) {
  let version = initial;
  const calls = { version: 0, load: 0 };
  const src: KnowledgeSource = {
    async currentVersion() {
      calls.version++;
      return version;
    },
    async loadEntries() {
      calls.load++;
      return { version, entries: [{ id: version } as StoredFaqEntry] };
    },
  };
  return { src, calls, setVersion: (v: string) => (version = v) };
}

const build = (entries: StoredFaqEntry[]): AnswerEngine & { id: string } => ({
  id: entries[0]?.id ?? "",
  decide: async () => ({
    decision: { kind: "handoff", reason: "low_confidence", priority: "normal" },
    candidates: [],
  }),
});

describe("createEngineCache", () => {
  it("checks the version at most once per refresh interval and reloads only when it changes", async () => {
    let now = 0;
    const { src, calls, setVersion } = source("v1");
    const cache = createEngineCache({ source: src, kb: "default", build, refreshMs: 1000, now: () => now });

    const first = (await cache.engine()) as ReturnType<typeof build>;
    expect(first.id).toBe("v1");
    now = 500;
    await cache.engine();
    expect(calls).toEqual({ version: 1, load: 1 });

    now = 1500;
    expect(await cache.engine()).toBe(first);
    expect(calls).toEqual({ version: 2, load: 1 });

    setVersion("v2");
    now = 3000;
    expect(((await cache.engine()) as ReturnType<typeof build>).id).toBe("v2");
    expect(calls).toEqual({ version: 3, load: 2 });
    expect(cache.version).toBe("v2");
  });

  it("shares one refresh between concurrent callers", async () => {
    const { src, calls } = source("v1");
    const cache = createEngineCache({ source: src, kb: "default", build, refreshMs: 1000 });
    await Promise.all([cache.engine(), cache.engine(), cache.engine()]);
    expect(calls.load).toBe(1);
    expect(calls.version).toBe(1);
  });
});
