import type { AnswerEngine } from "../core/engine";
import type { FaqEntry } from "../core/faq";

/** The vectors of an entry's phrasings (question first), by the model that made them. */
export interface EntryVectors {
  modelId: string;
  values: Float32Array[];
}

/** An FAQ entry as the knowledge base stores it. */
export interface StoredFaqEntry extends FaqEntry {
  contentHash: string;
  updatedAt: string;
  /** The version (import) that last wrote this entry. */
  version?: string;
  vectors?: EntryVectors;
}

/**
 * Keeps the engine for the current knowledge-base version in the worker's memory. At most every
 * `refreshMs` it reads the version stamp (one GetItem); entries and vectors are reloaded, and the engine
 * rebuilt, only when the stamp changes — so an import is answered from within seconds, without a
 * redeploy, and an unchanged KB costs nothing.
 */
export interface KnowledgeSource {
  currentVersion(kb: string): Promise<string | undefined>;
  loadEntries(
    kb: string,
    options?: { vectors?: boolean },
  ): Promise<{ version: string; entries: StoredFaqEntry[] }>;
}

export interface EngineCache {
  engine(): Promise<AnswerEngine>;
  /** The version the cached engine was built from (undefined before the first load). */
  readonly version: string | undefined;
}

export function createEngineCache(options: {
  source: KnowledgeSource;
  kb: string;
  build: (entries: StoredFaqEntry[]) => AnswerEngine | Promise<AnswerEngine>;
  refreshMs: number;
  vectors?: boolean;
  now?: () => number;
}): EngineCache {
  const now = options.now ?? Date.now;
  let cached: { version: string; engine: AnswerEngine } | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<AnswerEngine> | undefined;

  const refresh = async (): Promise<AnswerEngine> => {
    const version = (await options.source.currentVersion(options.kb)) ?? "empty";
    checkedAt = now();
    if (cached && cached.version === version) return cached.engine;
    const loaded = await options.source.loadEntries(options.kb, { vectors: options.vectors ?? false });
    const engine = await options.build(loaded.entries);
    cached = { version: loaded.version || version, engine };
    return engine;
  };

  return {
    get version() {
      return cached?.version;
    },
    async engine() {
      if (cached && now() - checkedAt < options.refreshMs) return cached.engine;
      // One refresh at a time per process; concurrent callers share it.
      loading ??= refresh().finally(() => {
        loading = undefined;
      });
      return loading;
    },
  };
}
