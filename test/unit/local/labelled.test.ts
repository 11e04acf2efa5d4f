import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { detectionScores, loadLabelledRows } from "../../../local/eval/labelled";
import { tempDir } from "../../support/temp-dirs";

const Row = z.object({ text: z.string(), label: z.enum(["yes", "no"]) });

function file(content: string): string {
  const path = join(tempDir("kefu-labelled-"), "rows.jsonl");
  writeFileSync(path, content);
  return path;
}

describe("a labelled JSON Lines file", () => {
  it("reads one row a line and skips blank lines", () => {
    const path = file('{"text":"a","label":"yes"}\n\n  \n{"text":"b","label":"no"}\n');
    expect(loadLabelledRows(path, Row)).toEqual([
      { text: "a", label: "yes" },
      { text: "b", label: "no" },
    ]);
  });

  it("refuses a row its schema does not take, and a line that is not JSON", () => {
    expect(() => loadLabelledRows(file('{"text":"a","label":"maybe"}\n'), Row)).toThrow(z.ZodError);
    expect(() => loadLabelledRows(file('{"text":"a",\n'), Row)).toThrow(SyntaxError);
  });
});

describe("a detector's scores", () => {
  const detections = (counts: { tp: number; fp: number; fn: number; tn: number }) => [
    ...Array.from({ length: counts.tp }, () => ({ fired: true, expected: true })),
    ...Array.from({ length: counts.fp }, () => ({ fired: true, expected: false })),
    ...Array.from({ length: counts.fn }, () => ({ fired: false, expected: true })),
    ...Array.from({ length: counts.tn }, () => ({ fired: false, expected: false })),
  ];

  it("count each kind of detection, and are its precision and recall over those counts", () => {
    expect(detectionScores(detections({ tp: 3, fp: 1, fn: 2, tn: 5 }))).toEqual({
      truePositives: 3,
      falsePositives: 1,
      falseNegatives: 2,
      precision: 0.75,
      recall: 0.6,
    });
  });

  it("count as 1 where there was nothing to divide: no firing, no labelled row", () => {
    expect(detectionScores(detections({ tp: 0, fp: 0, fn: 4, tn: 1 }))).toMatchObject({
      precision: 1,
      recall: 0,
    });
    expect(detectionScores(detections({ tp: 0, fp: 2, fn: 0, tn: 1 }))).toMatchObject({
      precision: 0,
      recall: 1,
    });
    expect(detectionScores([])).toMatchObject({ precision: 1, recall: 1 });
  });
});
