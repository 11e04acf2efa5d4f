import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import { FaqFileError } from "./problems";

/**
 * Reads the FAQ sheet of a workbook row by row with exceljs's streaming reader, so memory holds the rows
 * kept, not the workbook: the whole-workbook reader took ~1.25 GB for 500,000 rows (bench/import-memory.ts)
 * before any row limit could be checked.
 *
 * Two things the streaming reader does not do are done here:
 * - merged cells: it ignores `<mergeCell>`, which comes after the rows in the sheet's XML; the ranges
 *   are collected while the XML streams by and applied by the caller once the sheet is read;
 * - multi-byte characters split between two chunks of XML come out as U+FFFD (exceljs issues #2063,
 *   #2084, #2316; fixes #1665 and #2081 unmerged): the XML is decoded here with a streaming decoder.
 */

export interface SheetRow {
  /** The row number as the admin sees it in the sheet. */
  row: number;
  /** Cell texts, column A first; empty cells are "". */
  cells: string[];
  /**
   * The cells showing a formula error, by column index (A = 0): the error value (`#N/A`), or "" for a
   * formula's cached error, which exceljs's streaming reader reads as NaN and does not keep. Their text
   * in `cells` is "".
   */
  errors?: Map<number, string>;
}

/** A merged range, 1-based and inclusive, as in `<mergeCell ref="D2:E3"/>`. */
export interface MergedRange {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** What `onRow` wants next. */
export type RowVerdict = "more" | "stop";

/** What was read of a workbook, besides its rows. */
export interface SheetRead {
  /** The sheet's merged ranges, complete only when the sheet was read to its end. */
  merges: MergedRange[];
  /** The sheet read, and every sheet of the workbook (for a report that must say which was read). */
  sheet: string;
  sheets: string[];
}

/**
 * Reads the sheet named "faq" (any case), else the first sheet, calling `onRow` for each row the file
 * holds (in order, with gaps where rows are absent) until it returns "stop".
 */
export async function readFaqSheet(
  body: AsyncIterable<Uint8Array>,
  onRow: (row: SheetRow) => RowVerdict,
): Promise<SheetRead> {
  const input = Readable.from(body);
  const reader = new FaqWorkbookReader(input);
  let read: WorksheetReader | undefined;
  let failure: unknown;
  try {
    for await (const sheet of reader) {
      // Every sheet is consumed, read or skipped: exceljs parks sheets that come before the shared
      // strings in temporary files and deletes each one only when the reader moves past it.
      if (read || !isFaqSheet(reader, sheet)) {
        await skip(sheet);
        continue;
      }
      read = sheet;
      try {
        for await (const row of sheet) if (onRow(sheetRow(row)) === "stop") break;
      } catch (err) {
        failure = err;
      }
    }
  } catch (err) {
    throw new FaqFileError("unreadable", { detail: (err as Error).message }, { cause: err });
  } finally {
    input.destroy();
  }
  if (failure) {
    if (failure instanceof FaqFileError) throw failure;
    throw new FaqFileError("unreadable", { detail: (failure as Error).message }, { cause: failure });
  }
  if (!read) throw new FaqFileError("unreadable", { detail: "the workbook has no sheets" });
  return {
    merges: reader.mergesOf.get(read) ?? [],
    sheet: (read as unknown as { name: string }).name,
    sheets: reader.sheetNames,
  };
}

type WorksheetReader = ExcelJS.stream.xlsx.WorksheetReader;

/** The parts of exceljs's WorkbookReader (4.4) this file builds on; checked when the module loads. */
interface ReaderInternals {
  model?: { sheets?: { name?: string }[] };
  _parseSharedStrings(entry: NodeJS.ReadableStream): AsyncGenerator<unknown>;
  _parseWorksheet(
    iterator: AsyncIterable<Uint8Array | string>,
    sheetNo: string,
  ): Generator<{ eventType: string; value: unknown }>;
}

const base = ExcelJS.stream.xlsx.WorkbookReader.prototype as unknown as ReaderInternals;
if (typeof base._parseSharedStrings !== "function" || typeof base._parseWorksheet !== "function") {
  throw new Error("exceljs's streaming WorkbookReader changed: review shared/kb/import/xlsx.ts");
}

class FaqWorkbookReader extends ExcelJS.stream.xlsx.WorkbookReader {
  readonly mergesOf = new Map<WorksheetReader, MergedRange[]>();

  constructor(input: Readable) {
    // Styles are read so that date-formatted numbers come out as dates, as the whole-workbook reader did.
    super(input, { worksheets: "emit", sharedStrings: "cache", styles: "cache", hyperlinks: "ignore" });
  }

  get sheetNames(): string[] {
    const sheets = (this as unknown as ReaderInternals).model?.sheets ?? [];
    return sheets.map((s) => s.name ?? "");
  }

  _parseSharedStrings(entry: NodeJS.ReadableStream): AsyncGenerator<unknown> {
    entry.setEncoding("utf8");
    return base._parseSharedStrings.call(this, entry);
  }

  /** Wraps each sheet's XML (see sheetXml) and keeps the merged ranges found in it. */
  *_parseWorksheet(
    iterator: AsyncIterable<Uint8Array | string>,
    sheetNo: string,
  ): Generator<{ eventType: string; value: unknown }> {
    const merges: MergedRange[] = [];
    for (const event of base._parseWorksheet.call(this, sheetXml(iterator, merges), sheetNo)) {
      if (event.eventType === "worksheet") this.mergesOf.set(event.value as WorksheetReader, merges);
      yield event;
    }
  }
}

function isFaqSheet(reader: FaqWorkbookReader, sheet: WorksheetReader): boolean {
  const names = reader.sheetNames;
  const target = names.find((n) => n.trim().toLowerCase() === "faq") ?? names[0];
  // Without the workbook's sheet list (an unusual zip order), the first sheet the zip holds is read.
  return target === undefined || (sheet as unknown as { name: string }).name === target;
}

/** Lets a sheet go unread: its XML is discarded without being parsed. */
async function skip(sheet: WorksheetReader): Promise<void> {
  const source = (sheet as unknown as { iterator: AsyncIterable<unknown> }).iterator;
  for await (const _ of source) {
    // discarded
  }
}

/**
 * The sheet's XML as text, decoded across chunk boundaries, with `<mergeCell ref="…">` ranges collected
 * into `merges`. When the reader stops early, the rest is read and discarded, so exceljs's zip entry
 * drains and its temporary file can be deleted.
 */
async function* sheetXml(
  chunks: AsyncIterable<Uint8Array | string>,
  merges: MergedRange[],
): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  const source = chunks[Symbol.asyncIterator]();
  let tail = "";
  let finished = false;
  try {
    for (;;) {
      const next = await source.next();
      if (next.done) break;
      const text = typeof next.value === "string" ? next.value : decoder.decode(next.value, { stream: true });
      // Scan complete tags only; a tag cut by the chunk boundary waits for the next chunk.
      const scanned = tail + text;
      const cut = scanned.lastIndexOf("<");
      const complete = cut === -1 || scanned.indexOf(">", cut) !== -1;
      collectMerges(complete ? scanned : scanned.slice(0, cut), merges);
      tail = complete ? "" : scanned.slice(cut);
      yield text;
    }
    const rest = decoder.decode();
    collectMerges(tail + rest, merges);
    if (rest) yield rest;
    finished = true;
  } finally {
    if (!finished) for (let next = await source.next(); !next.done; next = await source.next()) {}
  }
}

const MERGE_CELL = /<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([A-Z]+)(\d+):([A-Z]+)(\d+)["']/g;

function collectMerges(xml: string, merges: MergedRange[]): void {
  if (!xml.includes("mergeCell")) return;
  for (const m of xml.matchAll(MERGE_CELL)) {
    const [, left = "A", top = "1", right = "A", bottom = "1"] = m;
    merges.push({
      top: Number(top),
      left: columnNumber(left),
      bottom: Number(bottom),
      right: columnNumber(right),
    });
  }
}

/** "A" → 1, "AB" → 28. */
function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

function sheetRow(row: ExcelJS.Row): SheetRow {
  const cells: string[] = [];
  const errors = new Map<number, string>();
  row.eachCell({ includeEmpty: false }, (cell, col) => {
    // A formula's cached result as read: its `value` drops a falsy one (0, "", and NaN, an error).
    const value = cell.type === ExcelJS.ValueType.Formula ? (cell.result as ExcelJS.CellValue) : cell.value;
    cells[col - 1] = cellText(value);
    const error = cellError(value);
    if (error !== undefined) errors.set(col - 1, error);
  });
  for (let i = 0; i < cells.length; i++) cells[i] ??= "";
  return { row: row.number, cells, ...(errors.size > 0 ? { errors } : {}) };
}

/**
 * The error a cell shows instead of a value (#DIV/0!, #N/A, #REF!…): its text when the file keeps it, ""
 * for a formula whose cached result is an error (streamed as NaN); undefined for a cell with a value.
 */
export function cellError(value: ExcelJS.CellValue): string | undefined {
  if (typeof value === "number") return Number.isNaN(value) ? "" : undefined;
  if (value === null || typeof value !== "object" || value instanceof Date) return undefined;
  if ("formula" in value || "sharedFormula" in value) {
    const result = (value as { result?: unknown }).result;
    if (typeof result === "number" && Number.isNaN(result)) return "";
    return result && typeof result === "object" ? cellError(result as ExcelJS.CellValue) : undefined;
  }
  if ("error" in value) return String((value as ExcelJS.CellErrorValue).error ?? "");
  return undefined;
}

/** A cell as the admin sees it: formula → its cached result, rich text → plain text, dates → ISO. */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  // A formula whose cached result is an error (#DIV/0!) streams as NaN.
  if (typeof value === "number") return Number.isNaN(value) ? "" : String(value);
  if (typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") {
    if ("richText" in value) return value.richText.map((part) => part.text).join("");
    if ("formula" in value || "sharedFormula" in value) {
      const result = (value as { result?: unknown }).result;
      if (result && typeof result === "object" && "error" in result) return "";
      return result === undefined ? "" : cellText(result as ExcelJS.CellValue);
    }
    if ("hyperlink" in value) return cellText((value as { text: ExcelJS.CellValue }).text);
    if ("error" in value) return "";
  }
  return String(value);
}
