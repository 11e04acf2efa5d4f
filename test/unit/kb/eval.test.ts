import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStress } from "../../../local/cli/eval";
import { EvalFileError, loadEvalFile, toEntries } from "../../../local/eval/file";
import { atOosRecall, computeMetrics, type Outcome, thresholdPoint } from "../../../local/eval/metrics";
import { runKefu } from "../../../local/eval/run";
import { runStress, subsampleFile } from "../../../local/eval/stress";
import { seededRandom } from "../../../local/random";
import { tempDir } from "../../support/temp-dirs";

const dir = tempDir("kefu-eval-");
function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const FILE = {
  faq: [
    { id: "card", questions: ["When will my card arrive?", "My card has not arrived yet"], answer: "card" },
    { id: "pin", questions: ["How do I change my PIN?", "I want a new PIN"], answer: "pin" },
  ],
  queries: [
    { text: "When will my card arrive?", expected: "card" },
    { text: "How do I change my PIN?", expected: "pin" },
    { text: "what's the weather", expected: null },
    { text: "转人工", expected: "pin" },
  ],
};

const o = (
  expected: string | null,
  kind: Outcome["kind"],
  faqId?: string,
  options?: string[],
  ms = 1,
): Outcome => ({
  expected,
  kind,
  faqId,
  options,
  ms,
});

describe("computeMetrics", () => {
  it("computes every metric exactly on a handcrafted set", () => {
    const outcomes = [
      o("a", "answer", "a", undefined, 1), // right
      o("a", "answer", "b", undefined, 2), // wrong
      o("b", "clarify", undefined, ["b", "c"], 3), // clarify listing the expected entry
      o("b", "handoff", undefined, undefined, 4),
      o(null, "handoff", undefined, undefined, 5), // OOS handed off
      o(null, "answer", "a", undefined, 6), // OOS answered
      o(null, "clarify", undefined, ["a", "b"], 7), // OOS clarified: not a hand-off
      o("c", "answer", "c", undefined, 8), // right
    ];
    const m = computeMetrics(outcomes);
    expect(m).toMatchObject({
      n: 8,
      inScope: 5,
      outOfScope: 3,
      answers: 4,
      inScopeAccuracy: 2 / 5,
      containment: 2 / 5,
      oosRecall: 1 / 3,
      answerPrecision: 2 / 4,
      handoffRate: 2 / 8,
      clarifyRate: 2 / 8,
      clarifyHit: 1 / 5,
      p50Ms: 4,
      p99Ms: 8,
    });
  });

  it("counts top-1 and top-3 retrieval recall over in-scope queries", () => {
    const m = computeMetrics([
      { ...o("a", "answer", "a"), ranked: ["a", "b", "c"] },
      { ...o("b", "clarify", undefined, ["a", "b"]), ranked: ["a", "c", "b", "d"] },
      { ...o("c", "handoff"), ranked: ["a", "b", "d", "c"] },
      o("d", "handoff"), // a trigger decided: nothing retrieved
      { ...o(null, "handoff"), ranked: ["a"] },
    ]);
    expect(m).toMatchObject({ top1: 1 / 4, top3: 2 / 4 });
  });

  it("reports zeros rather than NaN on an empty run", () => {
    const m = computeMetrics([]);
    expect(m.answerPrecision).toBe(0);
    expect(m.oosRecall).toBe(0);
    expect(m.p99Ms).toBe(0);
  });
});

describe("threshold sweeps", () => {
  const file = loadEvalFile(write("sweep.json", JSON.stringify(FILE)));
  const top = [
    { faqId: "card", score: 0.9 },
    { faqId: "card", score: 0.6 }, // wrong entry
    { faqId: "pin", score: 0.5 }, // OOS
    undefined, // trigger fired
  ];
  it("scores 'answer the top hit at or above the threshold'", () => {
    expect(thresholdPoint(file, top, 0.55)).toEqual({
      threshold: 0.55,
      inScopeAccuracy: 1 / 3,
      oosRecall: 1,
      answerPrecision: 1 / 2,
    });
  });
  it("finds the lowest threshold reaching an OOS recall", () => {
    const p = atOosRecall(file, top, 1);
    expect(p.oosRecall).toBe(1);
    expect(p.threshold).toBeGreaterThan(0.5);
    expect(p.threshold).toBeLessThan(0.6);
  });
});

describe("loadEvalFile", () => {
  it("maps questions[0] to the question and the rest to similar questions", () => {
    const entries = toEntries(loadEvalFile(write("ok.json", JSON.stringify(FILE))));
    expect(entries[0]).toEqual({
      id: "card",
      question: "When will my card arrive?",
      similarQuestions: ["My card has not arrived yet"],
      answer: "card",
    });
  });
  it.each([
    ["missing file", join(dir, "nope.json"), /cannot read/],
    ["invalid JSON", write("bad.json", "{faq:"), /not valid JSON/],
    ["wrong shape", write("shape.json", JSON.stringify({ faq: [], queries: [] })), /faq/],
    [
      "unknown expected id",
      write("unknown.json", JSON.stringify({ ...FILE, queries: [{ text: "x", expected: "nope" }] })),
      /unknown entry "nope"/,
    ],
  ])("rejects a %s with a clear error", (_name, path, message) => {
    expect(() => loadEvalFile(path)).toThrow(EvalFileError);
    expect(() => loadEvalFile(path)).toThrow(message);
  });
});

describe("runKefu", () => {
  it("runs every query through the local engine, triggers included", async () => {
    const file = loadEvalFile(write("run.json", JSON.stringify(FILE)));
    const run = await runKefu(file);
    expect(run.outcomes.map((x) => x.kind)).toEqual(["answer", "answer", "handoff", "handoff"]);
    const m = computeMetrics(run.outcomes);
    expect(m.inScopeAccuracy).toBe(2 / 3);
    expect(m.oosRecall).toBe(1);
    expect(m.answerPrecision).toBe(1);
    expect(run.top[3]).toBeUndefined();
  });
});

describe("stress mode: subsampled knowledge bases", () => {
  const big = {
    faq: Array.from({ length: 10 }, (_, i) => ({
      id: `e${i}`,
      questions: [`question ${i}`],
      answer: `${i}`,
    })),
    queries: [
      ...Array.from({ length: 10 }, (_, i) => ({ text: `question ${i}`, expected: `e${i}` })),
      { text: "unrelated", expected: null },
    ],
  };

  it("keeps the asked fraction of entries and turns the dropped entries' queries out of scope", () => {
    const sub = subsampleFile(big, 0.3, seededRandom(42));
    expect(sub.faq).toHaveLength(3);
    const kept = new Set(sub.faq.map((e) => e.id));
    expect(sub.queries).toHaveLength(big.queries.length);
    sub.queries.forEach((q, i) => {
      const original = big.queries[i]?.expected ?? null;
      expect(q.text).toBe(big.queries[i]?.text);
      expect(q.expected).toBe(original !== null && kept.has(original) ? original : null);
    });
    expect(sub.queries.filter((q) => q.expected !== null)).toHaveLength(3);
    // The input is left as it was.
    expect(big.faq).toHaveLength(10);
    expect(big.queries[0]?.expected).toBe("e0");
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const ids = (seed: number) => subsampleFile(big, 0.5, seededRandom(seed)).faq.map((e) => e.id);
    expect(ids(7)).toEqual(ids(7));
    const seen = new Set([1, 2, 3, 4, 5, 6].map((s) => ids(s).join(",")));
    expect(seen.size).toBeGreaterThan(1);
  });

  it("keeps at least one entry and at most all of them", () => {
    expect(subsampleFile(big, 0.01, seededRandom(1)).faq).toHaveLength(1);
    expect(subsampleFile(big, 1, seededRandom(1)).faq).toHaveLength(10);
  });

  it("summarises every draw with mean and minimum", async () => {
    const s = await runStress(big, 0.5, 3, 9);
    expect(s.draws).toHaveLength(3);
    for (const d of s.draws) {
      expect(d.entries).toBe(5);
      expect(d.inScope).toBe(5);
      expect(d.outOfScope).toBe(6);
    }
    const precisions = s.draws.map((d) => d.answerPrecision);
    expect(s.min.answerPrecision).toBe(Math.min(...precisions));
    expect(s.mean.answerPrecision).toBeCloseTo(precisions.reduce((a, b) => a + b, 0) / 3, 12);
    expect((await runStress(big, 0.5, 3, 9)).draws.map((d) => d.inScopeAccuracy)).toEqual(
      s.draws.map((d) => d.inScopeAccuracy),
    );
  });

  it("validates the stress options", () => {
    expect(parseStress({})).toBeUndefined();
    expect(parseStress({ "--subsample": "0.3", "--draws": "4", "--seed": "2" })).toEqual({
      fraction: 0.3,
      draws: 4,
      seed: 2,
    });
    expect(parseStress({ "--subsample": "0" })).toMatch(/fraction/);
    expect(parseStress({ "--subsample": "1.5" })).toMatch(/fraction/);
    expect(parseStress({ "--draws": "3" })).toMatch(/fraction/);
    expect(parseStress({ "--subsample": "0.5", "--draws": "0" })).toMatch(/draws/);
    expect(parseStress({ "--subsample": "0.5", "--seed": "x" })).toMatch(/seed/);
  });
});
