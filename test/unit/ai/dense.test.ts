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
import type { Embedder } from "../../../shared/ai/types";
import type { FaqEntry } from "../../../shared/kb/types";

/** Seeded PRNG so a failure reproduces. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
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
    for (const [i, h] of hits.entries()) expect(h.cosine).toBeCloseTo(expected[i]?.[1].cosine as number, 5);
  });

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

  it("measures a 50,000 × 1024 scan (printed, not asserted)", () => {
    const random = rng(7);
    const dims = 1024;
    const n = 50_000;
    const items = Array.from({ length: n }, (_, i) => {
      const v = new Float32Array(dims);
      for (let j = 0; j < dims; j++) v[j] = random() - 0.5;
      return { faqId: `faq-${i >> 3}`, phrasing: `p${i}`, vector: v };
    });
    const t0 = performance.now();
    const index = createDenseIndex(items);
    const t1 = performance.now();
    const query = items[123]?.vector as Float32Array;
    const norm = Math.hypot(...query);
    const hits = index.search(
      query.map((x) => x / norm),
      5,
    );
    const t2 = performance.now();
    for (let r = 0; r < 5; r++) index.search(query, 5);
    const t3 = performance.now();
    console.log(
      `dense 50000x1024: build ${(t1 - t0).toFixed(0)} ms, first query ${(t2 - t1).toFixed(1)} ms, ` +
        `mean of 5 queries ${((t3 - t2) / 5).toFixed(1)} ms`,
    );
    expect(hits[0]?.faqId).toBe(`faq-${123 >> 3}`);
  }, 60_000);
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
