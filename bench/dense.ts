/**
 * Dense retrieval at scale: 10,000 FAQ entries × 5 phrasings of synthetic embeddings, searched through
 * `createDenseIndex` (sign-bit shortlist + int8 rescoring) and, for reference, by an exact float32 scan
 * over every phrasing. Reports build time, memory, latency per query and how often the index returns
 * the same entries as the exact scan. Run: `npx tsx bench/dense.ts`.
 *
 * The vectors imitate sentence embeddings of a real FAQ: a direction shared by every text (embeddings
 * are anisotropic), topics, entries within a topic (sibling questions), phrasings of an entry, and
 * customers' questions as noisier copies of an entry. Typical cosines: paraphrase ~0.7, sibling entry
 * ~0.45, unrelated ~0.15 — real Titan vectors cannot be made here (no Bedrock access), so the recall
 * figures are for this model of the data, not a promise about every knowledge base.
 */
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { createDenseIndex, type DenseItem } from "../shared/ai/dense";
import { l2normalize } from "../shared/ai/vector";
import { printTable, rng } from "./retrieval";

export interface SyntheticEmbeddings {
  items: DenseItem[];
  queries: Float32Array[];
}

export function syntheticEmbeddings(
  dimensions: number,
  entries = 10_000,
  phrasingsPerEntry = 5,
  queries = 1_000,
  seed = 3,
): SyntheticEmbeddings {
  const rand = rng(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const randomUnit = () => l2normalize(Float32Array.from({ length: dimensions }, gaussian));
  /** normalize(Σ weight · vector) */
  const mix = (...parts: [number, Float32Array][]) => {
    const out = new Float32Array(dimensions);
    for (const [w, v] of parts)
      for (let j = 0; j < dimensions; j++) out[j] = (out[j] as number) + w * (v[j] as number);
    return l2normalize(out);
  };
  const shared = randomUnit();
  const topics = Array.from({ length: Math.ceil(entries / 20) }, () => mix([0.4, shared], [1, randomUnit()]));
  const centres = Array.from({ length: entries }, (_, e) =>
    mix([1, topics[Math.floor(e / 20)] as Float32Array], [1, randomUnit()]),
  );
  const items: DenseItem[] = [];
  centres.forEach((centre, e) => {
    for (let p = 0; p < phrasingsPerEntry; p++) {
      items.push({ faqId: `e${e}`, phrasing: `${e}/${p}`, vector: mix([1, centre], [0.5, randomUnit()]) });
    }
  });
  const qs = Array.from({ length: queries }, (_, i) =>
    // Three in four ask about an entry; one in four about a topic without an entry of its own.
    i % 4 === 3
      ? mix([1, topics[Math.floor(rand() * topics.length)] as Float32Array], [1.2, randomUnit()])
      : mix([1, centres[Math.floor(rand() * centres.length)] as Float32Array], [0.8, randomUnit()]),
  );
  return { items, queries: qs };
}

/** The reference: float32 dot product with every phrasing, best phrasing per entry, top k entries. */
export function exactScan(items: readonly DenseItem[], query: Float32Array, k: number): string[] {
  const best = new Map<string, number>();
  for (const item of items) {
    let dot = 0;
    for (let j = 0; j < query.length; j++) dot += (item.vector[j] as number) * (query[j] as number);
    if (dot > (best.get(item.faqId) ?? Number.NEGATIVE_INFINITY)) best.set(item.faqId, dot);
  }
  return [...best.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([id]) => id);
}

/** A float32 matrix scan as the index did before the sign-bit shortlist: the latency baseline. */
function floatScanMs(items: readonly DenseItem[], queries: readonly Float32Array[]): number[] {
  const dims = items[0]?.vector.length ?? 0;
  const matrix = new Float32Array(items.length * dims);
  items.forEach((item, row) => {
    matrix.set(item.vector, row * dims);
  });
  const out = new Float32Array(items.length);
  return queries.map((q) => {
    const t = performance.now();
    for (let row = 0, o = 0; row < items.length; row++, o += dims) {
      let dot = 0;
      for (let j = 0; j < dims; j++) dot += (matrix[o + j] as number) * (q[j] as number);
      out[row] = dot;
    }
    return performance.now() - t;
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
const ms = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${pct(s, 0.5).toFixed(2)} / ${pct(s, 0.99).toFixed(2)} ms`;
};

export async function benchDense(dimensions: number, entries = 10_000): Promise<Record<string, string>> {
  const { items, queries } = syntheticEmbeddings(dimensions, entries);
  const t0 = performance.now();
  const index = createDenseIndex(items);
  const buildMs = performance.now() - t0;

  for (const q of queries.slice(0, 100)) index.search(q, 5);
  const latency: number[] = [];
  let top1 = 0;
  let overlap = 0;
  const checked = 200; // the exact reference is slow: compare on the first 200 queries
  queries.forEach((q, i) => {
    const t = performance.now();
    const hits = index.search(q, 5);
    latency.push(performance.now() - t);
    if (i < checked) {
      const exact = exactScan(items, q, 5);
      if (hits[0]?.faqId === exact[0]) top1++;
      overlap += hits.filter((h) => exact.includes(h.faqId)).length / exact.length;
    }
  });
  const baseline = floatScanMs(items, queries.slice(0, 50));
  return {
    index: `${entries.toLocaleString("en")} entries × 5 phrasings = ${index.size.toLocaleString("en")} vectors of ${dimensions} dimensions`,
    build: `${buildMs.toFixed(0)} ms`,
    "index memory": `${mb(index.bytes)} (int8 + sign bits); as float32 it would be ${mb(index.size * dimensions * 4)}`,
    "search p50 / p99": `${ms(latency)} (${queries.length} queries, top 5 entries)`,
    "exact float32 scan p50 / p99": `${ms(baseline)} (50 queries, scan only)`,
    "same top-1 as exact": `${((100 * top1) / checked).toFixed(1)}% (${checked} queries)`,
    "top-5 overlap with exact": `${((100 * overlap) / checked).toFixed(1)}%`,
    machine: `${cpus()[0]?.model ?? "?"}, ${cpus().length} cores, node ${process.version}`,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const dims of [1024, 256]) {
    printTable(`Dense retrieval, ${dims} dimensions`, await benchDense(dims));
  }
}
