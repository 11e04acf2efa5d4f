/**
 * Precision and recall of the hand-off triggers and the off-topic reading on a labelled file:
 *   npm run --silent eval:triggers -- [file.jsonl] [--kb faq.jsonl] [--misses]
 * The file defaults to bench/data/triggers.dev.jsonl and the knowledge base (for the scope) to
 * local/seed/faq.example.jsonl; `--misses` lists the lines each detector got wrong.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { buildScope } from "../../shared/core/understanding/scope";
import { loadJsonlKb } from "../eval/conversations";
import { loadTriggerRows, scoreTriggers } from "../eval/triggers";

/** The labelled file, the knowledge base and `--misses` from the command line (absolute paths). */
export function triggerEvalArguments(argv: string[]): { file: string; kb: string; misses: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { kb: { type: "string" }, misses: { type: "boolean", default: false } },
    allowPositionals: true,
  });
  if (positionals.length > 1) throw new Error(`one labelled file, not ${positionals.length}`);
  return {
    file: resolve(positionals[0] ?? "bench/data/triggers.dev.jsonl"),
    kb: resolve(values.kb ?? "local/seed/faq.example.jsonl"),
    misses: values.misses,
  };
}

function main(argv: string[]): void {
  let args: ReturnType<typeof triggerEvalArguments>;
  try {
    args = triggerEvalArguments(argv);
  } catch (error) {
    console.error(
      `${(error as Error).message}\nusage: eval:triggers -- [file.jsonl] [--kb faq.jsonl] [--misses]`,
    );
    process.exit(2);
  }
  const { file, kb } = args;
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
  if (args.misses) {
    for (const [name, s] of Object.entries(scores)) {
      for (const miss of s.misses) {
        console.log(
          `  ${name} ${miss.fired ? "false " : "missed"} [${miss.label}] ${JSON.stringify(miss.text)}`,
        );
      }
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main(process.argv.slice(2));
