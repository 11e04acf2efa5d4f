/** The labelled files of bench/data/ (bench/data/README.md): reading them, and scoring a detector on them. */
import { readFileSync } from "node:fs";
import type { z } from "zod";

/** A JSON Lines file, one labelled row a line, each checked against `schema`; blank lines are skipped. */
export function loadLabelledRows<Row>(path: string, schema: z.ZodType<Row>): Row[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => schema.parse(JSON.parse(line)));
}

/** Whether a detector fired on a row, and whether the row's label says it should have. */
export interface Detection {
  fired: boolean;
  expected: boolean;
}

/** A detector's counts against the labels, with its precision and recall (1 where nothing was counted). */
export function detectionScores(detections: readonly Detection[]) {
  const truePositives = detections.filter((d) => d.fired && d.expected).length;
  const falsePositives = detections.filter((d) => d.fired && !d.expected).length;
  const falseNegatives = detections.filter((d) => !d.fired && d.expected).length;
  return {
    truePositives,
    falsePositives,
    falseNegatives,
    precision: truePositives + falsePositives === 0 ? 1 : truePositives / (truePositives + falsePositives),
    recall: truePositives + falseNegatives === 0 ? 1 : truePositives / (truePositives + falseNegatives),
  };
}
