import { Readable } from "node:stream";
import { parse as parseCsv } from "csv-parse";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { FAQ_LIMITS, type FaqField, type RawRow, splitPhrasings } from "../faq-schema";

/**
 * Reads an uploaded FAQ file into raw rows. Bytes arrive as a stream (an S3 body); CSV and JSONL are
 * decoded and parsed as they stream, so a 50 MB file never sits in memory as one string. XLSX is the
 * exception: exceljs needs the whole workbook to resolve merged cells and shared formulas.
 */

export type FaqFormat = "csv" | "xlsx" | "jsonl";

export type FileProblem =
  | "unsupported_format"
  | "too_large"
  | "unreadable"
  | "missing_columns"
  | "too_many_rows";

/** The file as a whole cannot be imported; the report says why. */
export class FaqFileError extends Error {
  constructor(
    readonly problem: FileProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "FaqFileError";
  }
}

export function formatOf(fileName: string): FaqFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".xlsx")) return "xlsx";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  return undefined;
}

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
  rows: RawRow[];
}

export async function parseFaqFile(fileName: string, body: AsyncIterable<Uint8Array>): Promise<ParsedFile> {
  const format = formatOf(fileName);
  if (!format) {
    throw new FaqFileError(
      "unsupported_format",
      `unsupported file type: ${fileName} (use .csv, .xlsx or .jsonl; save .xls as .xlsx)`,
    );
  }
  if (format === "csv") return { format, ...(await parseCsvRows(body)) };
  if (format === "jsonl") return { format, ...(await parseJsonlRows(body)) };
  return { format, ...(await parseXlsxRows(body)) };
}

// ---------- text decoding ----------

const SNIFF_BYTES = 64 * 1024;

/**
 * Decodes a byte stream to text: UTF-8 (BOM or not) when the first 64 KB are valid UTF-8, otherwise
 * GB18030, which is what Excel on a Chinese Windows writes for "CSV" and a superset of GBK/GB2312.
 */
export async function* decodeText(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const head: Buffer[] = [];
  let headBytes = 0;
  const iterator = body[Symbol.asyncIterator]();
  while (headBytes < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = Buffer.from(next.value);
    head.push(chunk);
    headBytes += chunk.length;
  }
  const sniff = Buffer.concat(head);
  const utf8 = isUtf8Prefix(sniff);
  // Invalid bytes later in a UTF-8 file become U+FFFD, which validation reports as bad_encoding per row.
  const decoder = utf8 ? new TextDecoder("utf-8") : iconv.getDecoder("gb18030");
  const decode = (chunk: Buffer): string =>
    decoder instanceof TextDecoder ? decoder.decode(chunk, { stream: true }) : decoder.write(chunk);
  const first = decode(sniff);
  if (first) yield first;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    const text = decode(Buffer.from(next.value));
    if (text) yield text;
  }
  const rest = decoder instanceof TextDecoder ? decoder.decode() : (decoder.end() ?? "");
  if (rest) yield rest;
}

function isUtf8Prefix(bytes: Buffer): boolean {
  try {
    // stream: true tolerates a multi-byte character cut at the end of the sniffed prefix.
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

// ---------- CSV ----------

async function parseCsvRows(body: AsyncIterable<Uint8Array>): Promise<{ headers: string[]; rows: RawRow[] }> {
  const parser = parseCsv({ bom: true, relax_column_count: true, relax_quotes: true, info: true });
  const input = Readable.from(decodeText(body));
  input.on("error", (err) => parser.destroy(err));
  input.pipe(parser);
  let columns: (FaqField | undefined)[] | undefined;
  let headers: string[] = [];
  const rows: RawRow[] = [];
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const cells = item.record;
      if (cells.every((c) => c.trim() === "")) continue;
      if (!columns) {
        headers = cells;
        columns = mapColumns(cells);
        continue;
      }
      pushRow(rows, { row: item.info.lines, fields: collect(columns, cells) });
    }
  } catch (err) {
    if (err instanceof FaqFileError) throw err;
    throw new FaqFileError("unreadable", `the CSV could not be parsed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { headers, rows };
}

function mapColumns(headers: string[]): (FaqField | undefined)[] {
  const columns = headers.map((h) => fieldForHeader(h));
  const missing = (["id", "question", "answer"] as const).filter((f) => !columns.includes(f));
  if (missing.length > 0) {
    throw new FaqFileError(
      "missing_columns",
      `missing column(s): ${missing.join(", ")} (found: ${headers.map((h) => h.trim()).join(", ")})`,
    );
  }
  return columns;
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

function pushRow(rows: RawRow[], row: RawRow): void {
  if (rows.length >= FAQ_LIMITS.rows) {
    throw new FaqFileError("too_many_rows", `more than ${FAQ_LIMITS.rows} rows; split the file`);
  }
  rows.push(row);
}

// ---------- JSONL ----------

async function parseJsonlRows(
  body: AsyncIterable<Uint8Array>,
): Promise<{ headers: string[]; rows: RawRow[] }> {
  const rows: RawRow[] = [];
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
      pushRow(rows, { row: lineNo, fields: {}, error: { code: "bad_json", detail: (err as Error).message } });
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      pushRow(rows, { row: lineNo, fields: {}, error: { code: "bad_json", detail: "not an object" } });
      return;
    }
    const fields: RawRow["fields"] = {};
    for (const [key, v] of Object.entries(value)) {
      headers.add(key);
      const field = fieldForHeader(key);
      if (field && fields[field] === undefined) fields[field] = v;
    }
    pushRow(rows, { row: lineNo, fields });
  };
  for await (const text of decodeText(body)) {
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) handleLine(line.replace(/\r$/, ""));
  }
  if (pending !== "") handleLine(pending.replace(/\r$/, ""));
  return { headers: [...headers], rows };
}

// ---------- XLSX ----------

async function parseXlsxRows(
  body: AsyncIterable<Uint8Array>,
): Promise<{ headers: string[]; rows: RawRow[] }> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.read(Readable.from(body));
  } catch (err) {
    throw new FaqFileError("unreadable", `the XLSX workbook could not be opened: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const sheet =
    workbook.worksheets.find((ws) => ws.name.trim().toLowerCase() === "faq") ?? workbook.worksheets[0];
  if (!sheet) throw new FaqFileError("unreadable", "the workbook has no sheets");

  // The header is the first row naming at least two known fields: sheets often start with a merged
  // title row ("FAQ 知识库 2024") above the real header.
  let headerRow = 0;
  let headers: string[] = [];
  for (let r = 1; r <= Math.min(sheet.rowCount, 10) && headerRow === 0; r++) {
    const cells = rowTexts(sheet.getRow(r), sheet.columnCount);
    if (cells.filter((c) => fieldForHeader(c)).length >= 2) {
      headerRow = r;
      headers = cells;
    }
  }
  const columns = mapColumns(headers);
  const rows: RawRow[] = [];
  for (let r = headerRow + 1; r <= sheet.rowCount; r++) {
    const cells = rowTexts(sheet.getRow(r), columns.length);
    if (cells.every((c) => c.trim() === "")) continue;
    pushRow(rows, { row: r, fields: collect(columns, cells) });
  }
  return { headers, rows };
}

function rowTexts(row: ExcelJS.Row, width: number): string[] {
  const out: string[] = [];
  for (let c = 1; c <= width; c++) out.push(cellText(row.getCell(c).value));
  return out;
}

/** A cell as the admin sees it: formula → its cached result, rich text → plain text, dates → ISO. */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
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
