import { z } from "zod";
import type { KnowledgeScope } from "../../shared/core/understanding/scope";
import {
  detectHumanRequest,
  detectSensitiveTopic,
  isDissatisfied,
} from "../../shared/core/understanding/triggers";
import { detectionScores, loadLabelledRows } from "./labelled";

/**
 * One line of bench/data/triggers.dev.jsonl (bench/data/README.md): the one thing a message should set
 * off on its own — a request for a person, a sensitive matter, dissatisfaction with the bot's answer, an
 * off-topic question — or `none` (an ordinary shop question, often with a trigger-looking word in it).
 */
const TriggerRow = z.object({
  text: z.string(),
  lang: z.enum(["zh", "en"]),
  label: z.enum(["human", "sensitive", "dissatisfied", "off_topic", "none"]),
});
export type TriggerRow = z.infer<typeof TriggerRow>;
export type TriggerLabel = TriggerRow["label"];

export function loadTriggerRows(path: string): TriggerRow[] {
  return loadLabelledRows(path, TriggerRow);
}

export interface DetectorScores {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  /** The rows the detector got wrong, for reading. */
  misses: { text: string; label: TriggerLabel; fired: boolean }[];
}

type Detector = Exclude<TriggerLabel, "none">;

/**
 * Each detector on its own against the labels: it should fire on the rows with its label and on no other.
 * The off-topic reading (the KB's scope) is scored on the off-topic and `none` rows only: the other rows
 * are taken by a trigger before scope is asked.
 */
export function scoreTriggers(rows: TriggerRow[], scope: KnowledgeScope): Record<Detector, DetectorScores> {
  const detectors: Record<Detector, (text: string) => boolean> = {
    human: (text) => detectHumanRequest(text) !== undefined,
    sensitive: (text) => detectSensitiveTopic(text) !== undefined,
    dissatisfied: isDissatisfied,
    off_topic: (text) => !scope.inScope(text),
  };
  const scores = {} as Record<Detector, DetectorScores>;
  for (const [name, fires] of Object.entries(detectors) as [Detector, (text: string) => boolean][]) {
    const own =
      name === "off_topic" ? rows.filter((r) => r.label === "off_topic" || r.label === "none") : rows;
    const detections = own.map((row) => ({ row, fired: fires(row.text), expected: row.label === name }));
    scores[name] = {
      ...detectionScores(detections),
      misses: detections
        .filter((d) => d.fired !== d.expected)
        .map((d) => ({ text: d.row.text, label: d.row.label, fired: d.fired })),
    };
  }
  return scores;
}
