import { Readable } from "node:stream";
import { parse as parseCsv } from "csv-parse";
import { type FaqFormat, faqFormatOf } from "../../core/faq-files";
import { FAQ_LIMITS, type FaqField, type RawRow, splitPhrasings } from "../faq-schema";
import { FaqFileError } from "./problems";
import { decodeText } from "./text-encoding";
import { type MergedRange, readFaqSheet, type SheetRow } from "./xlsx";

/**
 * Reads an uploaded FAQ file into raw rows. Bytes arrive as a stream (an S3 body) and every format is
 * parsed as it streams, so memory holds the rows kept (at most the row limit), never the file: a file
 * over the limit is refused at the row where the limit was passed, without reading further.
 */

export type { FaqFormat };

/** The format a file is parsed as, by its extension (shared/core/faq-files.ts). */
export const formatOf = faqFormatOf;

const HEADER_ALIASES: Record<string, FaqField> = {
  id: "id",
  编号: "id",
  question: "question",
  问题: "question",
  标准问题: "question",
  answer: "answer",
  答案: "answer",
  回答: "answer",
  similarquestions: "similar_questions",
  相似问题: "similar_questions",
  相似问法: "similar_questions",
  category: "category",
  分类: "category",
  类别: "category",
  action: "action",
  操作: "action",
  outofscope: "out_of_scope",
  超出范围: "out_of_scope",
  translationof: "translation_of",
  译自: "translation_of",
  翻译自: "translation_of",
};

/** Header names are matched case-insensitively, ignoring spaces, `_` and `-` ("Similar Questions"). */
export function fieldForHeader(header: string): FaqField | undefined {
  const key = header
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase()
    .replace(/[\s_\-（）()]+/g, "");
  return HEADER_ALIASES[key];
}

export interface ParsedFile {
  format: FaqFormat;
  /** Header cells as written (or JSONL keys seen), for language detection. */
  headers: string[];
  /** No rows means the file is empty (nothing, blank lines, or a header only). */
  rows: RawRow[];
}

export interface ParseOptions {
  /** Data rows accepted; one more refuses the file. */
  maxRows?: number;
}

export async function parseFaqFile(
  fileName: string,
  body: AsyncIterable<Uint8Array>,
  options: ParseOptions = {},
): Promise<ParsedFile> {
  const format = formatOf(fileName);
  if (!format) throw new FaqFileError("unsupported_format", { file: fileName });
  const rows = new RowCollector(options.maxRows ?? FAQ_LIMITS.rows);
  if (format === "csv") return { format, ...(await parseDelimitedRows(body, rows)) };
  if (format === "jsonl") return { format, ...(await parseJsonlRows(body, rows)) };
  return { format, ...(await parseXlsxRows(body, rows)) };
}

/** Collects rows up to the limit; the first row past it refuses the file, naming that row. */
class RowCollector {
  readonly rows: RawRow[] = [];
  constructor(readonly limit: number) {}

  push(row: RawRow, headers: string[]): void {
    if (this.rows.length >= this.limit) throw this.tooMany(row.row, headers);
    this.rows.push(row);
  }

  tooMany(row: number, headers: string[]): FaqFileError {
    return new FaqFileError("too_many_rows", { limit: this.limit, row }, { header: headers.join(" ") });
  }
}

function missingColumns(headers: string[]): FaqFileError | undefined {
  const columns = headers.map((h) => fieldForHeader(h));
  // A file of deletions needs only ids: with an action column, rows that upsert are checked one by one.
  const required = columns.includes("action") ? (["id"] as const) : (["id", "question", "answer"] as const);
  const missing = required.filter((f) => !columns.includes(f));
  if (missing.length === 0) return undefined;
  const found = headers.map((h) => h.replace(/^\uFEFF/, "").trim()).filter((h) => h !== "");
  return new FaqFileError("missing_columns", { missing: [...missing], found }, { header: found.join(" ") });
}

/** Cells to fields; several columns may feed similar_questions (a merged header over two columns). */
function collect(columns: (FaqField | undefined)[], cells: unknown[]): RawRow["fields"] {
  const fields: RawRow["fields"] = {};
  columns.forEach((field, i) => {
    const value = cells[i];
    if (!field || value === undefined || value === null || value === "") return;
    if (field === "similar_questions") {
      const list = splitPhrasings(value) as unknown[];
      fields.similar_questions = [...((fields.similar_questions as unknown[] | undefined) ?? []), ...list];
    } else if (fields[field] === undefined) {
      fields[field] = value;
    }
  });
  return fields;
}

const isBlank = (cells: readonly string[]) => cells.every((c) => c.trim() === "");

// ---------- CSV and tab-separated text ----------

async function parseDelimitedRows(
  body: AsyncIterable<Uint8Array>,
  out: RowCollector,
): Promise<{ headers: string[]; rows: RawRow[] }> {
  const text = decodeText(body);
  const { head, rest } = await firstLine(text);
  const parser = parseCsv({
    bom: true,
    delimiter: delimiterOf(head),
    relax_column_count: true,
    relax_quotes: true,
    info: true,
  });
  const input = Readable.from(
    (async function* () {
      yield head;
      yield* rest;
    })(),
  );
  input.on("error", (err) => parser.destroy(err));
  input.pipe(parser);
  let columns: (FaqField | undefined)[] | undefined;
  let headers: string[] = [];
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const cells = item.record;
      if (isBlank(cells)) continue;
      if (!columns) {
        headers = cells;
        const missing = missingColumns(headers);
        if (missing) throw missing;
        columns = headers.map((h) => fieldForHeader(h));
        continue;
      }
      out.push({ row: item.info.lines, fields: collect(columns, cells) }, headers);
    }
  } catch (err) {
    if (err instanceof FaqFileError) throw err;
    throw new FaqFileError("unreadable", { detail: (err as Error).message }, { cause: err });
  } finally {
    // Stops the upload's stream when the parse ends early (a refusal), instead of leaving it open.
    input.destroy();
    await text.return(undefined);
  }
  return { headers, rows: out.rows };
}

/** A header line is shorter than this; reading stops there even without a line break. */
const HEADER_CHARS = 64 * 1024;

/** Reads text up to the first line that has something on it (the header), for the delimiter. */
async function firstLine(
  text: AsyncGenerator<string>,
): Promise<{ head: string; rest: AsyncGenerator<string> }> {
  let head = "";
  while (head.length < HEADER_CHARS && !/^[^\S\n]*\S[^\n]*\n/m.test(head)) {
    const next = await text.next();
    if (next.done) break;
    head += next.value;
  }
  return { head, rest: text };
}

/** Tab-separated when the header line has more tabs than commas (Excel's "Unicode Text", .tsv). */
function delimiterOf(head: string): "," | "\t" {
  const header = head.split("\n").find((l) => l.trim() !== "") ?? "";
  const count = (ch: string) => header.split(ch).length - 1;
  return count("\t") > count(",") ? "\t" : ",";
}

// ---------- JSONL ----------

async function parseJsonlRows(
  body: AsyncIterable<Uint8Array>,
  out: RowCollector,
): Promise<{ headers: string[]; rows: RawRow[] }> {
  const headers = new Set<string>();
  let lineNo = 0;
  let pending = "";
  const handleLine = (line: string) => {
    lineNo += 1;
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      const error = { code: "bad_json" as const, detail: (err as Error).message };
      out.push({ row: lineNo, fields: {}, error }, [...headers]);
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      out.push({ row: lineNo, fields: {}, error: { code: "bad_json", detail: "not an object" } }, [
        ...headers,
      ]);
      return;
    }
    const fields: RawRow["fields"] = {};
    for (const [key, v] of Object.entries(value)) {
      headers.add(key);
      const field = fieldForHeader(key);
      if (field && fields[field] === undefined) fields[field] = v;
    }
    out.push({ row: lineNo, fields }, [...headers]);
  };
  for await (const text of decodeText(body)) {
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) handleLine(line.replace(/\r$/, ""));
  }
  if (pending !== "") handleLine(pending.replace(/\r$/, ""));
  return { headers: [...headers], rows: out.rows };
}

// ---------- XLSX ----------

/** The header is looked for in this many rows: sheets often start with a title row above it. */
const HEADER_SEARCH_ROWS = 10;

async function parseXlsxRows(
  body: AsyncIterable<Uint8Array>,
  out: RowCollector,
): Promise<{ headers: string[]; rows: RawRow[] }> {
  // Rows wait as cell texts until the sheet ends: its merged ranges come after its rows.
  const kept = new Map<number, string[]>();
  const errorsOf = new Map<number, Map<number, string>>();
  const data: number[] = [];
  let header: SheetRow | undefined;
  let firstRow: SheetRow | undefined;
  let refusal: FaqFileError | undefined;
  const { merges, sheet, sheets } = await readFaqSheet(body, (row) => {
    if (isBlank(row.cells)) return "more";
    if (header) {
      if (data.length >= out.limit) refusal = out.tooMany(row.row, header.cells);
      else data.push(row.row);
    } else {
      firstRow ??= row;
      // The header is the first row naming at least two known fields: a merged title row may be above.
      if (row.cells.filter((c) => fieldForHeader(c)).length >= 2) {
        header = row;
        refusal = missingColumns(row.cells);
      } else if (row.row >= HEADER_SEARCH_ROWS) {
        refusal = missingColumns(firstRow.cells);
      }
    }
    if (refusal) return "stop";
    kept.set(row.row, row.cells);
    if (row.errors) errorsOf.set(row.row, row.errors);
    return "more";
  });
  if (refusal) throw inSheet(refusal, sheet, sheets);
  if (!header) {
    // Fewer rows than the header search and none of them a header: an empty sheet, or no header.
    if (!firstRow) return { headers: [], rows: [] };
    throw inSheet(missingColumns(firstRow.cells) ?? new FaqFileError("missing_columns", {}), sheet, sheets);
  }
  applyMerges(kept, merges);
  const headers = kept.get(header.row) ?? header.cells;
  const columns = headers.map((h) => fieldForHeader(h));
  for (const row of data) {
    const fields = collect(columns, kept.get(row) ?? []);
    const error = formulaError(columns, errorsOf.get(row));
    out.push({ row, fields, ...(error ? { error } : {}) }, headers);
  }
  return { headers, rows: out.rows };
}

/**
 * The first FAQ column whose cell shows a formula error: the row is refused, naming it, rather than read
 * as if the cell were empty (an answer that is #DIV/0! is not a missing answer, and a category or
 * phrasing silently dropped is data lost).
 */
function formulaError(
  columns: (FaqField | undefined)[],
  errors: Map<number, string> | undefined,
): RawRow["error"] {
  if (!errors) return undefined;
  for (const [i, value] of [...errors].sort(([a], [b]) => a - b)) {
    const field = columns[i];
    if (field) return { code: "formula_error", field, ...(value ? { detail: value } : {}) };
  }
  return undefined;
}

/**
 * Missing columns in a workbook of several sheets: the report names the sheet read and the rule that
 * chose it, since the FAQ is often on another sheet than a cover sheet ("说明") that comes first.
 */
function inSheet(error: FaqFileError, sheet: string, sheets: string[]): FaqFileError {
  if (error.code !== "missing_columns" || sheets.length < 2) return error;
  return new FaqFileError(error.code, { ...error.args, sheet, sheets }, { header: error.header });
}

/** Each cell a merged range covers shows the range's value, as Excel displays it. */
function applyMerges(rows: Map<number, string[]>, merges: MergedRange[]): void {
  for (const m of merges) {
    const value = rows.get(m.top)?.[m.left - 1] ?? "";
    if (value === "") continue;
    for (let r = m.top; r <= m.bottom; r++) {
      const cells = rows.get(r);
      if (!cells) continue;
      for (let c = m.left; c <= m.right; c++) {
        if (r === m.top && c === m.left) continue;
        for (let i = cells.length; i < c - 1; i++) cells[i] = "";
        cells[c - 1] = value;
      }
    }
  }
}
