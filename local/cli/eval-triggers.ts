/**
 * Precision and recall of the hand-off triggers and the off-topic reading on a labelled file:
 *   npm run --silent eval:triggers -- [file.jsonl] [--kb faq.jsonl] [--misses]
 * The file defaults to bench/data/triggers.dev.jsonl and the knowledge base (for the scope) to
 * local/seed/faq.example.jsonl; `--misses` lists the lines each detector got wrong.
 */
import { resolve } from "node:path";
import { buildScope } from "../../shared/core/scope";
import { loadJsonlKb } from "../eval/conversations";
import { loadTriggerRows, scoreTriggers } from "../eval/triggers";

const args = process.argv.slice(2);
const kbAt = args.indexOf("--kb");
const kb = resolve(kbAt >= 0 ? (args[kbAt + 1] ?? "") : "local/seed/faq.example.jsonl");
const file = resolve(
  args.find((a, i) => !a.startsWith("--") && i !== kbAt + 1) ?? "bench/data/triggers.dev.jsonl",
);
const rows = loadTriggerRows(file);
const scores = scoreTriggers(rows, buildScope(loadJsonlKb(kb)));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(`hand-off triggers on ${file} (${rows.length} lines; scope from ${kb})`);
for (const [name, s] of Object.entries(scores)) {
  console.log(
    `  ${name.padEnd(13)} precision ${pct(s.precision).padStart(6)}  recall ${pct(s.recall).padStart(6)}  ` +
      `(TP ${s.truePositives}, FP ${s.falsePositives}, FN ${s.falseNegatives})`,
  );
}
if (args.includes("--misses")) {
  for (const [name, s] of Object.entries(scores)) {
    for (const miss of s.misses) {
      console.log(
        `  ${name} ${miss.fired ? "false " : "missed"} [${miss.label}] ${JSON.stringify(miss.text)}`,
      );
    }
  }
}
