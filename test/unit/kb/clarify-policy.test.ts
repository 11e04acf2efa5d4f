import { describe, expect, it } from "vitest";
import { clarifyRow } from "../../../bench/clarify";
import { loadConversationFile, standaloneQueries } from "../../../local/eval/conversations";
import { runKefu } from "../../../local/eval/run";
import { DEFAULT_THRESHOLDS } from "../../../shared/core/thresholds";

/**
 * The clarify policy picked from bench/clarify.ts, checked on the e-commerce tuning set: at the default
 * thresholds, asking the customer to choose when the right entry is among close candidates adds
 * containment without touching answer precision, and rarely asks an out-of-scope question to choose.
 */
describe("default clarify policy", () => {
  it("adds containment at unchanged answer precision, asking few out-of-scope questions", async () => {
    const { file, entries } = loadConversationFile("bench/data/ecommerce.conversations.json");
    const queries = standaloneQueries(file, entries);
    const run = await runKefu(queries, { thresholds: DEFAULT_THRESHOLDS });
    const withClarify = clarifyRow(queries, run, DEFAULT_THRESHOLDS);
    const without = clarifyRow(queries, run, { ...DEFAULT_THRESHOLDS, clarifyThreshold: 1.01 });
    expect(withClarify.answerPrecision).toBe(without.answerPrecision);
    expect(withClarify.answerPrecision).toBeGreaterThanOrEqual(0.95);
    expect(withClarify.containment - without.containment).toBeGreaterThanOrEqual(0.05);
    expect(withClarify.oosClarified).toBeLessThanOrEqual(0.05);
  }, 60_000);
});
