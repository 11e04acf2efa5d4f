import { z } from "zod";
import { readEmotion } from "../../shared/core/emotion";
import { detectionScores, loadLabelledRows } from "./labelled";

/** One line of bench/data/emotion.dev.jsonl (bench/data/README.md). */
const EmotionRow = z.object({
  text: z.string(),
  lang: z.enum(["zh", "en"]),
  label: z.enum(["neutral", "negative_calm", "angry", "abusive", "sarcastic"]),
  escalate: z.boolean(),
  intensity: z.number().int().min(0).max(3),
});
export type EmotionRow = z.infer<typeof EmotionRow>;

export function loadEmotionRows(path: string): EmotionRow[] {
  return loadLabelledRows(path, EmotionRow);
}

export interface AngerScores {
  rows: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Of the messages the trigger hands off as anger, the share labelled `escalate`. */
  precision: number;
  /** Of the messages labelled `escalate`, the share the trigger hands off. */
  recall: number;
  /** Of the labelled-intense (3) escalations caught, the share given priority high (intensity 3). */
  intenseAsHigh: number;
  /** The rows the trigger got wrong, for reading (never logged by the product). */
  misses: { text: string; label: string; score: number; expected: boolean }[];
}

/** Precision and recall of the anger trigger (`readEmotion(text).angry`) against the `escalate` labels. */
export function scoreAnger(rows: EmotionRow[]): AngerScores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let intense = 0;
  let intenseHigh = 0;
  const misses: AngerScores["misses"] = [];
  for (const row of rows) {
    const reading = readEmotion(row.text);
    if (reading.angry && row.escalate) tp++;
    else if (reading.angry) fp++;
    else if (row.escalate) fn++;
    if (reading.angry !== row.escalate) {
      misses.push({ text: row.text, label: row.label, score: reading.score, expected: row.escalate });
    }
    if (row.escalate && row.intensity === 3 && reading.angry) {
      intense++;
      if (reading.intensity === 3) intenseHigh++;
    }
  }
  return {
    rows: rows.length,
    ...detectionScores(tp, fp, fn),
    intenseAsHigh: intense === 0 ? 1 : intenseHigh / intense,
    misses,
  };
}
