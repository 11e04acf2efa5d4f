import { describe, expect, it } from "vitest";
import {
  buildDenseIndex,
  calibrateCosine,
  createDenseIndex,
  createDenseRetriever,
  DenseIndexError,
  LOCAL_HASH_CALIBRATION,
  TITAN_V2_CALIBRATION,
} from "../../../shared/ai/dense";
import { createLocalEmbedder } from "../../../shared/ai/local-embedder";
import type { FaqEntry } from "../../../shared/core/faq";
import type { Embedder } from "../../../shared/kb/retrieval";

/** Seeded PRNG so a failure reproduces. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Top k entries by the float cosine of their best phrasing: the reference the index must match. */
function bruteForce(
  items: { faqId: string; vector: Float32Array }[],
  query: Float32Array,
  k: number,
): string[] {
  const best = new Map<string, number>();
  for (const item of items) {
    const cosine = item.vector.reduce((s, x, j) => s + x * (query[j] as number), 0);
    if (cosine > (best.get(item.faqId) ?? Number.NEGATIVE_INFINITY)) best.set(item.faqId, cosine);
  }
  return [...best.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([id]) => id);
}

function unit(values: number[]): Float32Array {
  const v = Float32Array.from(values);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

describe("dense top-k", () => {
  it("matches a brute-force cosine ranking, aggregated per entry on the best phrasing", () => {
    const random = rng(42);
    const dims = 34; // not a multiple of 4: exercises the unrolled body and the tail
    const items = Array.from({ length: 300 }, (_, i) => ({
      faqId: `faq-${i % 60}`,
      phrasing: `p${i}`,
      vector: unit(Array.from({ length: dims }, () => random() * 2 - 1)),
    }));
    const query = unit(Array.from({ length: dims }, () => random() * 2 - 1));

    const hits = createDenseIndex(items).search(query, 7);

    const bestPerFaq = new Map<string, { cosine: number; phrasing: string }>();
    for (const item of items) {
      const cosine = item.vector.reduce((s, x, j) => s + x * (query[j] as number), 0);
      const cur = bestPerFaq.get(item.faqId);
      if (!cur || cosine > cur.cosine) bestPerFaq.set(item.faqId, { cosine, phrasing: item.phrasing });
    }
    const expected = [...bestPerFaq.entries()].sort((a, b) => b[1].cosine - a[1].cosine).slice(0, 7);
    expect(hits.map((h) => h.faqId)).toEqual(expected.map(([id]) => id));
    expect(hits.map((h) => h.phrasing)).toEqual(expected.map(([, v]) => v.phrasing));
    // Components are stored as int8: the cosine is exact to about 1/127 of the largest component.
    for (const [i, h] of hits.entries()) expect(h.cosine).toBeCloseTo(expected[i]?.[1].cosine as number, 2);
  });

  it("shortlists by sign bits above rescoreRows and still finds what an exact scan finds", () => {
    // Shaped like FAQ embeddings: topics, sibling entries within a topic, noisy phrasings of each
    // entry, and customers' questions as noisier copies. 100 topics × 6 entries × 5 phrasings = 3,000
    // rows of 256 dimensions, of which only 64 are rescored exactly.
    const random = rng(11);
    const dims = 256;
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const noise = () => Array.from({ length: dims }, gaussian);
    const mix = (base: Float32Array, weight: number) => {
      const n = unit(noise());
      return unit(Array.from(base, (x, j) => x + weight * (n[j] as number)));
    };
    const topics = Array.from({ length: 100 }, () => unit(noise()));
    const centres = Array.from({ length: 600 }, (_, e) => mix(topics[Math.floor(e / 6)] as Float32Array, 1));
    const items = centres.flatMap((c, e) =>
      Array.from({ length: 5 }, (_, p) => ({
        faqId: `faq-${e}`,
        phrasing: `${e}/${p}`,
        vector: mix(c, 0.5),
      })),
    );
    const index = createDenseIndex(items, { rescoreRows: 64 });

    let sameTop = 0;
    let overlap = 0;
    const queries = 200;
    for (let q = 0; q < queries; q++) {
      const query = mix(centres[(q * 7) % centres.length] as Float32Array, 0.8);
      const got = index.search(query, 5).map((h) => h.faqId);
      const want = bruteForce(items, query, 5);
      if (got[0] === want[0]) sameTop++;
      overlap += got.filter((id) => want.includes(id)).length / want.length;
    }
    expect(sameTop / queries).toBeGreaterThanOrEqual(0.97);
    expect(overlap / queries).toBeGreaterThanOrEqual(0.9);
    // A stored phrasing asked verbatim is always found first, with cosine 1.
    const [top] = index.search(items[1234]?.vector as Float32Array, 1);
    expect(top?.phrasing).toBe(items[1234]?.phrasing);
    expect(top?.cosine).toBeCloseTo(1, 2);
    // A brute-force reference over 3,000 rows × 200 queries: seconds on a loaded 2-core machine.
  }, 30_000);

  it("normalises stored vectors, so scale does not change the ranking", () => {
    const index = createDenseIndex([
      { faqId: "a", phrasing: "a", vector: Float32Array.from([100, 0]) },
      { faqId: "b", phrasing: "b", vector: Float32Array.from([0.1, 0.1]) },
    ]);
    const [top] = index.search(unit([1, 1]), 1);
    expect(top?.faqId).toBe("b");
    expect(top?.cosine).toBeCloseTo(1, 5);
  });

  it("returns fewer hits than k when there are fewer entries, and none for an empty index", () => {
    const index = createDenseIndex([
      { faqId: "a", phrasing: "a1", vector: unit([1, 0]) },
      { faqId: "a", phrasing: "a2", vector: unit([0, 1]) },
    ]);
    expect(index.search(unit([1, 0]), 5)).toHaveLength(1);
    expect(createDenseIndex([]).search(unit([1, 0]), 5)).toEqual([]);
  });

  it("refuses vectors of mixed sizes and queries of the wrong size", () => {
    expect(() =>
      createDenseIndex([
        { faqId: "a", phrasing: "a", vector: unit([1, 0]) },
        { faqId: "b", phrasing: "b", vector: unit([1, 0, 0]) },
      ]),
    ).toThrow(DenseIndexError);
    const index = createDenseIndex([{ faqId: "a", phrasing: "a", vector: unit([1, 0]) }]);
    expect(() => index.search(unit([1, 0, 0]), 1)).toThrow(DenseIndexError);
  });
});

describe("calibration", () => {
  it("maps cosine monotonically into (0, 1), with 0.5 at the midpoint", () => {
    expect(calibrateCosine(TITAN_V2_CALIBRATION.midpoint)).toBeCloseTo(0.5, 6);
    expect(calibrateCosine(0.3)).toBeLessThan(0.1);
    expect(calibrateCosine(0.85)).toBeGreaterThan(0.95);
    const values = [-1, 0, 0.3, 0.5, 0.7, 0.9, 1].map((c) => calibrateCosine(c));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1] as number);
  });
});

const faq: FaqEntry[] = [
  {
    id: "ship",
    question: "多久发货?",
    similarQuestions: ["什么时候发货", "When will my order ship?"],
    answer: "48h",
  },
  { id: "return", question: "怎么退货?", similarQuestions: ["How do I return an item?"], answer: "7 days" },
  {
    id: "invoice",
    question: "发票怎么开?",
    similarQuestions: ["Can I get an invoice?"],
    answer: "order page",
  },
];

describe("dense retriever", () => {
  it("finds the right entry with the local hashing embedder and calibrates its score", async () => {
    const embedder = createLocalEmbedder();
    const retriever = createDenseRetriever(await buildDenseIndex(faq, embedder), embedder, {
      calibration: LOCAL_HASH_CALIBRATION,
    });

    const [top, second] = await retriever.search("什么时候能发货", 3);
    const [en] = await retriever.search("how can I return this item", 3);

    expect(top).toMatchObject({ faqId: "ship", matchedQuestion: "什么时候发货" });
    expect(top?.score).toBeGreaterThan(second?.score as number);
    expect(top?.score).toBeLessThanOrEqual(1);
    expect(en?.faqId).toBe("return");
  });

  it("refuses an embedder whose size differs from the index", async () => {
    const index = await buildDenseIndex(faq, createLocalEmbedder({ dimensions: 64 }));
    expect(() => createDenseRetriever(index, createLocalEmbedder({ dimensions: 128 }))).toThrow(
      DenseIndexError,
    );
  });

  it("does not call the embedder for an empty query", async () => {
    let calls = 0;
    const embedder: Embedder = {
      modelId: "counting",
      dimensions: 64,
      embed: async (texts) => {
        calls++;
        return createLocalEmbedder({ dimensions: 64 }).embed(texts);
      },
    };
    const retriever = createDenseRetriever(await buildDenseIndex(faq, embedder), embedder);
    calls = 0;
    expect(await retriever.search("   ")).toEqual([]);
    expect(calls).toBe(0);
  });
});
