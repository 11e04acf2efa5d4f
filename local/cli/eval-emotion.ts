/**
 * Precision and recall of the anger trigger on a labelled emotion file:
 *   npm run --silent eval:emotion -- [file.jsonl] [--misses]
 * The file defaults to bench/data/emotion.dev.jsonl; `--misses` lists the lines the trigger got wrong.
 */
import { resolve } from "node:path";
import { loadEmotionRows, scoreAnger } from "../eval/emotion";

const args = process.argv.slice(2);
const file = resolve(args.find((a) => !a.startsWith("--")) ?? "bench/data/emotion.dev.jsonl");
const scores = scoreAnger(loadEmotionRows(file));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(`anger trigger on ${file} (${scores.rows} lines)`);
console.log(
  `  precision ${pct(scores.precision)}  recall ${pct(scores.recall)}  ` +
    `(TP ${scores.truePositives}, FP ${scores.falsePositives}, FN ${scores.falseNegatives})`,
);
console.log(`  intense (3) escalations given priority high: ${pct(scores.intenseAsHigh)}`);
if (args.includes("--misses")) {
  for (const miss of scores.misses) {
    console.log(`  ${miss.expected ? "missed" : "false  "} ${miss.label} score=${miss.score} ${miss.text}`);
  }
}
