/**
 * Peak memory of reading a large FAQ workbook: `npx tsx bench/import-memory.ts [--rows 500000]`.
 *
 * Writes a workbook of N data rows (id, question, answer; shared strings, as Excel saves them) into the system's temp folder, then parses it with `parseFaqFile` in a fresh child
 * process and prints that process's peak RSS (`process.resourceUsage().maxRSS`), what the parser
 * concluded, and how long it took. The child also reports its RSS before parsing, so the parse's own
 * share is visible. The ingest Lambda has 1 GB; over the row limit the file must be refused early.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import ExcelJS from "exceljs";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "500000" },
    child: { type: "string" },
  },
});

if (values.child) {
  await parseInChild(values.child);
} else {
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows < 1)
    throw new Error(`--rows must be a positive integer: ${values.rows}`);
  const file = join(tmpdir(), `kefu-bench-faq-${rows}.xlsx`);
  if (!existsSync(file)) {
    console.log(`writing ${rows.toLocaleString("en")} rows to ${file}…`);
    await writeWorkbook(file, rows);
  }
  const mb = (statSync(file).size / 1024 / 1024).toFixed(1);
  console.log(`${basename(file)}: ${rows.toLocaleString("en")} rows, ${mb} MB`);
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--child", file],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (child.status !== 0) throw new Error(`the parsing process failed with status ${child.status}`);
  const result = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}");
  console.log(
    `parse: ${result.outcome}; ${result.seconds} s; RSS before ${result.rssBeforeMb} MB, peak ${result.peakRssMb} MB`,
  );
}

async function writeWorkbook(file: string, rows: number): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useSharedStrings: true,
    zip: { zlib: { level: 9 } },
  });
  const sheet = workbook.addWorksheet("FAQ");
  sheet.addRow(["编号", "问题", "答案"]).commit();
  for (let i = 1; i <= rows; i++) {
    sheet.addRow([`q${i}`, `问题 ${i}`, "在「我的订单」里申请售后即可。"]).commit();
  }
  sheet.commit();
  await workbook.commit();
}

async function parseInChild(file: string): Promise<void> {
  const { parseFaqFile } = await import("../shared/kb/import/parse");
  const { FaqFileError } = await import("../shared/kb/import/problems");
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const rssBeforeMb = mb(process.memoryUsage.rss());
  const started = performance.now();
  let outcome: string;
  try {
    const parsed = await parseFaqFile(basename(file), createReadStream(file));
    outcome = `${parsed.rows.length.toLocaleString("en")} rows read`;
  } catch (err) {
    if (!(err instanceof FaqFileError)) throw err;
    outcome = `refused (${err.code}): ${err.message}`;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify({ outcome, seconds, rssBeforeMb, peakRssMb }));
}
