/**
 * Regenerates the CSV and XLSX example FAQ files from `faq.example.jsonl`, the one source of truth, so
 * the three formats an admin can upload never drift. Run: `npx tsx local/seed/build-examples.ts`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ExcelJS from "exceljs";

interface ExampleRow {
  id: string;
  question: string;
  answer: string;
  similar_questions: string[];
  category?: string;
  translation_of?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const COLUMNS = ["id", "question", "answer", "similar_questions", "category", "translation_of"] as const;

function readRows(): ExampleRow[] {
  return readFileSync(join(here, "faq.example.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as ExampleRow);
}

function cells(row: ExampleRow): string[] {
  return [
    row.id,
    row.question,
    row.answer,
    row.similar_questions.join("|"),
    row.category ?? "",
    row.translation_of ?? "",
  ];
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function toCsv(rows: ExampleRow[]): string {
  const lines = [COLUMNS.join(","), ...rows.map((r) => cells(r).map(csvField).join(","))];
  // The BOM makes Excel (notably in China) open the file as UTF-8 instead of the system code page.
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

export async function toXlsx(rows: ExampleRow[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  // Fixed dates keep the committed binary stable across rebuilds.
  workbook.created = new Date("2024-01-01T00:00:00Z");
  workbook.modified = new Date("2024-01-01T00:00:00Z");
  const sheet = workbook.addWorksheet("faq");
  sheet.columns = [
    { header: "id", width: 24 },
    { header: "question", width: 40 },
    { header: "answer", width: 80 },
    { header: "similar_questions", width: 60 },
    { header: "category", width: 14 },
    { header: "translation_of", width: 24 },
  ];
  sheet.getRow(1).font = { bold: true };
  for (const row of rows) {
    // Newline-separated in the sheet: that is how admins type several phrasings into one Excel cell.
    sheet.addRow([
      row.id,
      row.question,
      row.answer,
      row.similar_questions.join("\n"),
      row.category ?? "",
      row.translation_of ?? "",
    ]);
  }
  sheet.getColumn(3).alignment = { wrapText: true, vertical: "top" };
  sheet.getColumn(4).alignment = { wrapText: true, vertical: "top" };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

async function main(): Promise<void> {
  const rows = readRows();
  writeFileSync(join(here, "faq.example.csv"), toCsv(rows), "utf8");
  writeFileSync(join(here, "faq.example.xlsx"), await toXlsx(rows));
  console.log(`wrote ${rows.length} entries to faq.example.csv and faq.example.xlsx`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
