import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { triggerEvalArguments } from "../../../local/cli/eval-triggers";

describe("eval:triggers' arguments", () => {
  it("score the file named first, with or without --kb (not silently the dev set)", () => {
    expect(triggerEvalArguments(["mine.jsonl"])).toEqual({
      file: resolve("mine.jsonl"),
      kb: resolve("local/seed/faq.example.jsonl"),
      misses: false,
    });
    expect(triggerEvalArguments(["--kb", "kb.jsonl", "mine.jsonl", "--misses"])).toEqual({
      file: resolve("mine.jsonl"),
      kb: resolve("kb.jsonl"),
      misses: true,
    });
    expect(triggerEvalArguments(["mine.jsonl", "--kb=kb.jsonl"]).file).toBe(resolve("mine.jsonl"));
  });

  it("default to the dev set and the example knowledge base, and refuse what they do not know", () => {
    expect(triggerEvalArguments([])).toEqual({
      file: resolve("bench/data/triggers.dev.jsonl"),
      kb: resolve("local/seed/faq.example.jsonl"),
      misses: false,
    });
    expect(() => triggerEvalArguments(["--kbb", "x"])).toThrow();
    expect(() => triggerEvalArguments(["a.jsonl", "b.jsonl"])).toThrow(/one labelled file/);
  });
});
