/**
 * Lexical retrieval at scale: a synthetic KB of 10,000 entries × 5 phrasings (half Chinese, half
 * English), generated deterministically from a seed, then index build time, per-query latency through
 * the full local engine and through the retriever alone, and memory. Run: `npx tsx bench/retrieval.ts`.
 */
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { seededRandom } from "../local/random";
import { createLocalEngine } from "../shared/ai/local-engine";
import type { FaqEntry } from "../shared/core/faq";

/** mulberry32, the eval tool's seeded generator: the same seed gives the same knowledge base. */
export const rng = seededRandom;

/** Zipf-like pick: low indices are common, as in real vocabularies. */
function zipf(rand: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(n ** rand()) - 1);
}

const EN_SYLLABLES =
  "ba be bi bo ca co de di fa fe ga go ha ka ke la le li lo ma me mi mo na ne no pa pe po ra re ri ro sa se si so ta te ti to va ve za".split(
    " ",
  );
const EN_FRAME = [
  "how do i",
  "why is my",
  "can i",
  "what is the",
  "when will my",
  "where can i find my",
  "is it possible to",
];

export function syntheticKb(entries: number, phrasingsPerEntry: number, seed = 42): FaqEntry[] {
  const rand = rng(seed);
  const enWords = Array.from({ length: 6000 }, (_, i) => {
    let w = "";
    for (let s = 0; s < 2 + (i % 3); s++) w += EN_SYLLABLES[Math.floor(rand() * EN_SYLLABLES.length)];
    return w;
  });
  // 3,500 Han characters from the common block, in a fixed shuffled order.
  const han = Array.from({ length: 3500 }, () => String.fromCodePoint(0x4e00 + Math.floor(rand() * 0x5000)));
  const out: FaqEntry[] = [];
  for (let e = 0; e < entries; e++) {
    const zh = e % 2 === 1;
    // Each entry has its own topic words; phrasings reuse some of them plus common words.
    const topic = Array.from(
      { length: 4 },
      () => (zh ? han[zipf(rand, han.length)] : enWords[zipf(rand, enWords.length)]) as string,
    );
    const ps: string[] = [];
    for (let p = 0; p < phrasingsPerEntry; p++) {
      const words: string[] = [];
      const len = 3 + Math.floor(rand() * 6);
      for (let w = 0; w < len; w++) {
        if (rand() < 0.5) words.push(topic[Math.floor(rand() * topic.length)] as string);
        else
          words.push(
            zh
              ? `${han[zipf(rand, han.length)]}${han[zipf(rand, han.length)]}`
              : (enWords[zipf(rand, enWords.length)] as string),
          );
      }
      ps.push(
        zh ? `${words.join("")}？` : `${EN_FRAME[Math.floor(rand() * EN_FRAME.length)]} ${words.join(" ")}?`,
      );
    }
    out.push({
      id: `e${e}`,
      question: ps[0] as string,
      similarQuestions: ps.slice(1),
      answer: `answer ${e}`,
    });
  }
  return out;
}

/** Queries: phrasings with one word dropped (in scope) and fresh random text (out of scope). */
export function syntheticQueries(kb: FaqEntry[], n: number, seed = 7): string[] {
  const rand = rng(seed);
  const qs: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = kb[Math.floor(rand() * kb.length)] as FaqEntry;
    const p = [e.question, ...e.similarQuestions][Math.floor(rand() * 5)] ?? e.question;
    if (i % 4 === 3) {
      qs.push([...p].reverse().join(""));
    } else {
      const parts = p.includes(" ") ? p.split(" ") : [...p];
      parts.splice(Math.floor(rand() * parts.length), 1);
      qs.push(parts.join(p.includes(" ") ? " " : ""));
    }
  }
  return qs;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;

export async function benchRetrieval(
  entries = 10_000,
  phrasings = 5,
  queries = 2_000,
): Promise<Record<string, string>> {
  const kb = syntheticKb(entries, phrasings);
  const qs = syntheticQueries(kb, queries);
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const ab0 = process.memoryUsage().arrayBuffers;
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const engine = createLocalEngine(kb);
  const buildMs = performance.now() - t0;
  globalThis.gc?.();
  const heap1 = process.memoryUsage().heapUsed;
  const ab1 = process.memoryUsage().arrayBuffers;
  const rss1 = process.memoryUsage().rss;
  for (const q of qs.slice(0, 200)) await engine.decide({ text: q, history: [] });
  const engineMs: number[] = [];
  const retrieverMs: number[] = [];
  for (const q of qs) {
    const a = performance.now();
    await engine.decide({ text: q, history: [] });
    const b = performance.now();
    engine.retriever.rank(q, 5);
    const c = performance.now();
    engineMs.push(b - a);
    retrieverMs.push(c - b);
  }
  engineMs.sort((x, y) => x - y);
  retrieverMs.sort((x, y) => x - y);
  const s = engine.retriever.stats;
  return {
    KB: `${s.entries} entries, ${s.phrasings} phrasings, ${s.terms} terms, ${s.postings} postings`,
    "index build": `${buildMs.toFixed(0)} ms`,
    "heap (index)": `${mb(heap1 - heap0)}${globalThis.gc ? "" : " (run with --expose-gc for exact numbers)"}`,
    "typed arrays (index)": mb(ab1 - ab0),
    "RSS growth (incl. build garbage)": mb(rss1 - rss0),
    "RSS total": mb(process.memoryUsage().rss),
    "engine.decide p50 / p99": `${pct(engineMs, 0.5).toFixed(2)} / ${pct(engineMs, 0.99).toFixed(2)} ms (${queries} queries)`,
    "retriever.rank p50 / p99": `${pct(retrieverMs, 0.5).toFixed(2)} / ${pct(retrieverMs, 0.99).toFixed(2)} ms`,
    machine: `${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, node ${process.version}`,
  };
}

export function printTable(title: string, rows: Record<string, string>): void {
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  process.stdout.write(`\n${title}\n${"-".repeat(title.length)}\n`);
  for (const [k, v] of Object.entries(rows)) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  benchRetrieval().then((rows) =>
    printTable("Lexical retrieval, 10,000 entries × 5 phrasings (zh + en)", rows),
  );
}
