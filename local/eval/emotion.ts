import { z } from "zod";
import { readEmotion } from "../../shared/core/understanding/emotion";
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
  const read = rows.map((row) => {
    const reading = readEmotion(row.text);
    return { row, reading, fired: reading.angry, expected: row.escalate };
  });
  // The labelled-intense escalations the trigger caught, and of them those it gave priority high.
  const intense = read.filter((r) => r.expected && r.row.intensity === 3 && r.fired);
  const intenseHigh = intense.filter((r) => r.reading.intensity === 3).length;
  return {
    rows: rows.length,
    ...detectionScores(read),
    intenseAsHigh: intense.length === 0 ? 1 : intenseHigh / intense.length,
    misses: read
      .filter((r) => r.fired !== r.expected)
      .map((r) => ({ text: r.row.text, label: r.row.label, score: r.reading.score, expected: r.expected })),
  };
}
