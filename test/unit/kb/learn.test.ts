import { describe, expect, it } from "vitest";
import { parseOptions } from "../../../local/cli/eval";
import { loadEvalFile } from "../../../local/eval/file";
import {
  missed,
  picked,
  queryStream,
  runLearning,
  type Teaching,
  teachAll,
  teachPhrasing,
} from "../../../local/eval/learn";
import { FAQ_LIMITS } from "../../../shared/kb/faq-schema";
import { createNegativeVeto } from "../../../shared/kb/learned";
import { createLexicalRetriever } from "../../../shared/kb/lexical";
import { faqEntry } from "../../support/fakes";
import { sharedDataPath } from "../../support/shared-data";

describe("an entry grown by teaching", () => {
  // Dozens of taught phrasings that each share one word with a query must not add up to a confident
  // answer over the entry that matches it well (the uncapped sum did, which is what sank precision).
  const grown = faqEntry(
    "fees",
    "What are the fees?",
    Array.from({ length: 40 }, (_, i) => `when will my transfer fee refund number ${i} arrive`),
  );
  const exact = faqEntry("transfer", "How long does a transfer take?", [
    "When will my transfer arrive?",
    "transfer still pending",
    "how many days for a transfer",
    "my transfer has not arrived",
  ]);

  it("counts only a few of its other phrasings", () => {
    const ranked = createLexicalRetriever([grown, exact]).rank("when will my transfer arrive");
    expect(ranked[0]?.faqId).toBe("transfer");
    const uncapped = createLexicalRetriever([grown, exact], {
      maxOtherPhrasings: FAQ_LIMITS.similarQuestions,
    }).rank("when will my transfer arrive");
    // The same query with every phrasing counted: the grown entry's sum overtakes the right one.
    expect(uncapped[0]?.faqId).toBe("fees");
  });

  it("keeps the old aggregate for entries of five phrasings or fewer", () => {
    const few = [
      exact,
      faqEntry("card", "When will my card arrive?", ["card not arrived", "where is my card"]),
    ];
    const capped = createLexicalRetriever(few).rank("my card has not arrived");
    const uncapped = createLexicalRetriever(few, { maxOtherPhrasings: 50 }).rank("my card has not arrived");
    expect(capped.map((c) => [c.faqId, c.aggregate])).toEqual(uncapped.map((c) => [c.faqId, c.aggregate]));
  });
});

describe("out-of-scope wordings", () => {
  const entries = [faqEntry("card", "When will my card arrive?", ["my card has not arrived"])];
  const veto = createNegativeVeto(entries, [
    "will my parcel arrive today",
    "  ",
    "will my parcel arrive today",
  ]);

  it("withhold an answer when the message is closer to one of them than to the entry", () => {
    expect(veto.negatives).toBe(1);
    expect(veto.vetoes("will my parcel arrive", "card")).toBe(true);
    expect(veto.vetoes("my card has not arrived yet", "card")).toBe(false);
  });

  it("do not withhold an answer for a word or two in common with one of them", () => {
    // "card for dinner" is a little closer to the dinner booking (similarity ~0.36) than to the card
    // entry (~0.32), but far from any of them: on short Chinese questions such overlaps (a shared
    // character or two with chit-chat) withheld right answers for no precision (bench/learn-ceiling.ts).
    const withDinner = createNegativeVeto(entries, [
      "will my parcel arrive today",
      "can you book me a table for dinner tonight",
    ]);
    expect(withDinner.vetoes("card for dinner", "card")).toBe(false);
    expect(withDinner.vetoes("book my card tonight", "card")).toBe(true);
  });

  it("veto nothing when none were recorded", () => {
    expect(createNegativeVeto(entries, []).vetoes("will my parcel arrive", "card")).toBe(false);
  });
});

describe("teaching a wording", () => {
  it("goes through the pending change's row and the import's validation", () => {
    const kb = new Map([["card", faqEntry("card", "When will my card arrive?", ["card not here"])]]);
    expect(teachPhrasing(kb, "card", "where's my card", "c1")).toBe(true);
    expect(kb.get("card")?.similarQuestions).toEqual(["card not here", "where's my card"]);
    // Unknown entry, and an entry at the import's phrasing limit: not applied.
    expect(teachPhrasing(kb, "nope", "x", "c2")).toBe(false);
    const full = faqEntry(
      "full",
      "q",
      Array.from({ length: FAQ_LIMITS.similarQuestions }, (_, i) => `phrasing ${i}`),
    );
    kb.set("full", full);
    expect(teachPhrasing(kb, "full", "one more", "c3")).toBe(false);
    expect(kb.get("full")).toBe(full);
  });
});

describe("what the learning loop teaches", () => {
  const outcome = (kind: "answer" | "clarify" | "handoff", options?: string[]) =>
    ({ kind, options, ms: 0 }) as const;

  it("counts as a pick a clarify that offered the entry meant, never one for an out-of-scope question", () => {
    expect(picked({ ...outcome("clarify", ["fees", "card"]), expected: "card" }, "card")).toBe(true);
    expect(picked({ ...outcome("clarify", ["fees", "pin"]), expected: "card" }, "card")).toBe(false);
    expect(picked({ ...outcome("clarify", ["fees"]), expected: null }, null)).toBe(false);
    expect(picked({ ...outcome("answer"), expected: "card" }, "card")).toBe(false);
  });

  it("counts as missed a hand-off and a clarify whose options lack the entry meant, not an answer", () => {
    expect(missed({ ...outcome("handoff"), expected: "card" }, "card")).toBe(true);
    expect(missed({ ...outcome("clarify", ["fees", "card"]), expected: "card" }, "card")).toBe(false);
    expect(missed({ ...outcome("clarify", ["fees", "pin"]), expected: "card" }, "card")).toBe(true);
    // An out-of-scope question offered options still reaches a person.
    expect(missed({ ...outcome("clarify", ["fees"]), expected: null }, null)).toBe(true);
    expect(missed({ ...outcome("answer"), expected: "fees" }, "card")).toBe(false);
  });

  it("teaches in-scope wordings as phrasings and out-of-scope ones as out-of-scope rows, as approvals do", () => {
    const teaching: Teaching = { seen: 0, handoffs: 0, taught: 0, rejected: 0, outOfScope: 0, picks: 0 };
    const kb = teachAll(
      [faqEntry("card", "When will my card arrive?")],
      [
        { text: "card still not here", expected: "card" },
        { text: "what's the weather", expected: null },
        { text: "reset my pin", expected: "pin" },
      ],
      teaching,
    );
    expect(kb[0]?.similarQuestions).toEqual(["card still not here"]);
    // The row an approved "out of scope" change imports (shared/kb/teach.ts), not an eval-only list.
    expect(kb[1]).toEqual({
      id: "out-of-scope-eval-1",
      question: "what's the weather",
      similarQuestions: [],
      answer: "",
      outOfScope: true,
    });
    expect(teaching).toMatchObject({ taught: 1, outOfScope: 1, rejected: 1 });
  });
});

describe("npm run eval -- <file> --learn", () => {
  it("parses its options and refuses the ones that do not apply", () => {
    expect(parseOptions(["f.json", "--learn", "--seed", "3"])).toMatchObject({ learn: { seed: 3 } });
    expect(parseOptions(["f.json", "--learn", "--in-order", "--json"])).toMatchObject({
      learn: { seed: null },
    });
    expect(parseOptions(["f.json", "--learn", "--tune"])).toEqual({
      problem: expect.stringContaining("--tune"),
    });
    expect(parseOptions(["f.json", "--learn", "--subsample", "0.5"])).toEqual({
      problem: expect.stringContaining("--subsample"),
    });
    expect(parseOptions(["f.json", "--learn", "--seed", "x"])).toEqual({
      problem: "--seed needs an integer",
    });
    expect(parseOptions(["f.json", "--learn", "--in-order", "--seed", "2"])).toEqual({
      problem: expect.stringContaining("--in-order"),
    });
    expect(parseOptions(["f.json", "--in-order"])).toEqual({ problem: "--in-order is for --learn" });
  });

  it("shuffles the stream reproducibly, or keeps it in order", () => {
    const file = {
      faq: [{ id: "a", questions: ["a"], answer: "a" }],
      queries: "abcdefgh".split("").map((t) => ({ text: t, expected: null })),
    };
    expect(
      queryStream(file, { inOrder: true })
        .map((q) => q.text)
        .join(""),
    ).toBe("abcdefgh");
    const once = queryStream(file, { seed: 7 })
      .map((q) => q.text)
      .join("");
    expect(once).not.toBe("abcdefgh");
    expect(
      queryStream(file, { seed: 7 })
        .map((q) => q.text)
        .join(""),
    ).toBe(once);
  });

  // The target, on the public development sets (../shared/data/dev). Containment here counts
  // direct answers; the suggest offer (KEFU_SUGGEST_THRESHOLD) turns near-misses into a three-option
  // question instead, which is a different way to contain them, so teaching is measured without it
  // (and at the full defaults in the test after).
  const WITHOUT_SUGGEST = { thresholds: { suggestThreshold: 1, offTopicSuggestThreshold: 1 } };
  it.each([1, 2, 3])(
    "banking77_oos, seed %i: containment at least doubles at ≥ 85%% precision",
    async (seed) => {
      const file = loadEvalFile(sharedDataPath("dev", "banking77_oos.dev.json"));
      const report = await runLearning(file, { seed, ...WITHOUT_SUGGEST });
      expect(report.teaching.taught).toBeGreaterThan(400);
      expect(report.teaching.outOfScope).toBeGreaterThan(200);
      expect(report.after.containment).toBeGreaterThanOrEqual(2 * report.before.containment);
      expect(report.after.answerPrecision).toBeGreaterThanOrEqual(0.85);
      // The naive way (every taught wording adds to its entry's score) loses precision: what this guards.
      expect(report.ablation.naive.answerPrecision).toBeLessThan(0.85);
    },
    60_000,
  );

  it("zh_smp2017: containment grows by more than a third at ≥ 85% precision", async () => {
    const file = loadEvalFile(sharedDataPath("dev", "zh_smp2017.dev.json"));
    const report = await runLearning(file, { seed: 1, ...WITHOUT_SUGGEST });
    expect(report.after.containment).toBeGreaterThanOrEqual(1.4 * report.before.containment);
    expect(report.after.answerPrecision).toBeGreaterThanOrEqual(0.85);
  }, 60_000);

  it("at the full defaults (suggest offer on), teaching still answers more at ≥ 85% precision", async () => {
    const file = loadEvalFile(sharedDataPath("dev", "banking77_oos.dev.json"));
    const report = await runLearning(file, { seed: 1 });
    // Failed three-option questions are taught like hand-offs. The offer (at 0.3 for messages that look in
    // scope) already contains many near-misses through the customer's pick, which are not taught, so fewer
    // are taught and direct answers grow less than without it (seed 1: 262 taught, 13.4% → 15.5%).
    expect(report.teaching.taught).toBeGreaterThan(200);
    expect(report.after.containment).toBeGreaterThanOrEqual(1.1 * report.before.containment);
    expect(report.after.answerPrecision).toBeGreaterThanOrEqual(0.85);
    // The picks give that back: each "M means the option picked", approved as a phrasing, more than doubles
    // direct answers (seed 1: 254 picks, 13.4% → 31.6% at 90.0% precision).
    expect(report.teaching.picks).toBeGreaterThan(200);
    expect(report.withPicks.containment).toBeGreaterThanOrEqual(2 * report.before.containment);
    expect(report.withPicks.answerPrecision).toBeGreaterThanOrEqual(0.85);
  }, 60_000); // replays 2,236 queries through four engines: seconds, more under load
});
