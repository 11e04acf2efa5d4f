/**
 * Personal-data masking (shared/core/redact.ts): what it costs per message, which runs on every message
 * at the webhook and again in the worker, and how many order numbers it mistakes for card numbers.
 *   npx tsx bench/redact.ts
 */
import { pathToFileURL } from "node:url";
import { redact } from "../shared/core/redact";

/** Customer messages of the shapes the masking meets: none, some or many digits, personal data or not. */
const MESSAGES = [
  "退货流程是什么？我昨天买的衣服尺码不合适，想换一个大一号的，运费谁出？",
  "How do I return an item? It arrived damaged and I would like a refund to my original payment method.",
  "你好，我的订单2336334854983421317还没发货，请问什么时候到？我的手机是13812345678，邮箱zhang@example.com。",
  "My card 4111 1111 1111 1111 was charged twice on 2026-11-21 at 10:30, order 231121-123456789012345.",
  "身份证１１０１０５１９４９１２３１００２Ｘ，快递单号：SF1234567890123，金额13800元，共3件。",
  "我要转人工",
];

/** Seeded (LCG), so every run counts the same numbers. */
function digitRuns(length: number, count: number): string[] {
  let seed = 20261121;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    let run = String(1 + Math.floor(next() * 9));
    while (run.length < length) run += String(Math.floor(next() * 10));
    return run;
  });
}

export interface RedactBench {
  microsPerMessage: number;
  /** Random order numbers masked, of 10,000 each: written with the label 订单号, and bare. */
  masked: { length: number; labelled: number; bare: number }[];
}

export function benchRedact(iterations = 200_000): RedactBench {
  for (let i = 0; i < 20_000; i++) redact(MESSAGES[i % MESSAGES.length] ?? "");
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) redact(MESSAGES[i % MESSAGES.length] ?? "");
  const microsPerMessage = Number(process.hrtime.bigint() - started) / 1000 / iterations;
  const masked = [16, 18, 19].map((length) => {
    const runs = digitRuns(length, 10_000);
    const changed = (text: string) => redact(text) !== text;
    return {
      length,
      labelled: runs.filter((r) => changed(`订单号${r}还没发货`)).length,
      bare: runs.filter((r) => changed(`${r}还没发货`)).length,
    };
  });
  return { microsPerMessage, masked };
}

export function printRedact(result: RedactBench): void {
  console.log("\nPersonal-data masking");
  console.log(
    `  ${result.microsPerMessage.toFixed(1)} µs per message (${MESSAGES.length} shapes, round robin)`,
  );
  for (const m of result.masked) {
    console.log(
      `  random ${m.length}-digit order numbers masked: ${m.labelled}/10,000 after 订单号, ${m.bare} bare`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) printRedact(benchRedact());
