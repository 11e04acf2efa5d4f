import type { ChannelStateStore } from "../../../../shared/channels/ports";

/** The durable channel state, in memory, with the TTLs it was given (so tests can assert them). */
export function memoryState(): ChannelStateStore & { data: Map<string, unknown>; ttls: Map<string, number> } {
  const data = new Map<string, unknown>();
  const ttls = new Map<string, number>();
  return {
    data,
    ttls,
    async get<T>(key: string) {
      return structuredClone(data.get(key)) as T | undefined;
    },
    async put<T>(key: string, value: T, ttlSeconds?: number) {
      data.set(key, structuredClone(value));
      if (ttlSeconds) ttls.set(key, ttlSeconds);
    },
    async putIfRevision<T extends { revision: number }>(key: string, value: T, expected: number | undefined) {
      if ((data.get(key) as { revision?: number } | undefined)?.revision !== expected) return false;
      data.set(key, structuredClone(value));
      return true;
    },
  };
}
