import type { Language } from "../faq-schema";

/**
 * Problems with an upload as a whole, and what the report tells the admin about each, in their language.
 * A file problem means nothing of the file was imported; the message says why and what to do.
 */

export type FileProblem =
  | "not_found"
  | "unsupported_format"
  | "too_large"
  | "unreadable"
  | "missing_columns"
  | "too_many_rows"
  | "mixed_encoding"
  | "bad_encoding";

/** Not a failure: the file was read and holds no rows, so nothing changed. */
export type FileWarning = "no_rows";

/** What a message may mention; each problem uses its own few. */
export interface ProblemArgs {
  file?: string;
  size?: number;
  limit?: number;
  /** A technical detail from a library, in English (a corrupt zip). */
  detail?: string;
  missing?: string[];
  found?: string[];
  /** The row (sheet row, or line of the text file) where reading stopped. */
  row?: number;
  /** The first line that breaks the file's encoding, and the encoding it is in (if any). */
  line?: number;
  encoding?: string;
  /** The encoding the file was decided to be in, and the line that decided it. */
  fileEncoding?: string;
  since?: number;
  /** The file looks like UTF-16 without its byte-order mark. */
  utf16?: boolean;
  /** A workbook's sheet that was read, and all its sheets (missing columns in a workbook of several). */
  sheet?: string;
  sheets?: string[];
}

/**
 * The whole file cannot be imported. The message is English (for logs); the report renders `code` and
 * `args` in the admin's language, which the header (row or first line, when read) helps decide.
 */
export class FaqFileError extends Error {
  readonly header: string | undefined;

  constructor(
    readonly code: FileProblem,
    readonly args: ProblemArgs = {},
    options: { cause?: unknown; header?: string } = {},
  ) {
    super(fileMessage(code, "en", args), { cause: options.cause });
    this.name = "FaqFileError";
    this.header = options.header;
  }
}

const n = (value: number | undefined, lang: Language) =>
  (value ?? 0).toLocaleString(lang === "zh" ? "zh-CN" : "en");
const mb = (bytes: number | undefined) => `${((bytes ?? 0) / 1024 / 1024).toFixed(1)} MB`;

const SAVE_AS_UTF8 = {
  en: 'In Excel: File → Save As → "CSV UTF-8 (Comma delimited) (*.csv)"; or "Unicode Text (*.txt)", which is also accepted.',
  zh: "在 Excel 中：文件 → 另存为 →「CSV UTF-8（逗号分隔）(*.csv)」；也可以另存为「Unicode 文本 (*.txt)」。",
};

const MESSAGES: Record<FileProblem | FileWarning, Record<Language, (a: ProblemArgs) => string>> = {
  not_found: {
    en: (a) => `The upload ${a.file ?? ""} no longer exists.`,
    zh: (a) => `上传的文件 ${a.file ?? ""} 已不存在。`,
  },
  unsupported_format: {
    en: (a) =>
      `Unsupported file type: ${a.file ?? ""}. Use .csv, .txt/.tsv (tab-separated), .xlsx or .jsonl; save .xls as .xlsx.`,
    zh: (a) =>
      `不支持的文件类型：${a.file ?? ""}。请使用 .csv、.txt/.tsv（制表符分隔）、.xlsx 或 .jsonl；.xls 请另存为 .xlsx。`,
  },
  too_large: {
    en: (a) => `The file is ${mb(a.size)}; the limit is ${mb(a.limit)}. Split it into several files.`,
    zh: (a) => `文件大小为 ${mb(a.size)}，上限是 ${mb(a.limit)}，请拆分成多个文件上传。`,
  },
  unreadable: {
    en: (a) => `The file could not be read (${a.detail ?? "unknown error"}). Nothing was imported.`,
    zh: (a) => `无法读取该文件（${a.detail ?? "未知错误"}），未导入任何内容。`,
  },
  missing_columns: {
    en: (a) =>
      `Missing column(s): ${(a.missing ?? []).join(", ")} (found${a.sheet ? ` in sheet "${a.sheet}"` : ""}: ${(a.found ?? []).join(", ") || "nothing"}). The first row must name the columns, e.g. id, question, answer.${a.sheet ? ` The FAQ is read from the sheet named faq, else the first sheet (this workbook has: ${(a.sheets ?? []).join(", ")}): name the FAQ's sheet faq.` : ""}`,
    zh: (a) =>
      `缺少列：${(a.missing ?? []).join("、")}（${a.sheet ? `在工作表「${a.sheet}」中` : ""}找到的是：${(a.found ?? []).join("、") || "无"}）。第一行须为列名，例如：编号、问题、答案。${a.sheet ? `系统读取名为 faq 的工作表，没有则读取第一个工作表（本工作簿有：${(a.sheets ?? []).join("、")}）：请把 FAQ 所在的工作表改名为 faq。` : ""}`,
  },
  too_many_rows: {
    en: (a) =>
      `The file has more than ${n(a.limit, "en")} rows: reading stopped at row ${n(a.row, "en")} and nothing was imported. Split it into files of at most ${n(a.limit, "en")} rows.`,
    zh: (a) =>
      `文件超过 ${n(a.limit, "zh")} 行：读到第 ${n(a.row, "zh")} 行时停止，未导入任何内容。请拆分成每个不超过 ${n(a.limit, "zh")} 行的文件。`,
  },
  mixed_encoding: {
    en: (a) =>
      `The file mixes text encodings: line ${n(a.line, "en")} is ${a.encoding}, but the file is ${a.fileEncoding} (from line ${n(a.since, "en")}). Nothing was imported. Save the whole file in one encoding. ${SAVE_AS_UTF8.en}`,
    zh: (a) =>
      `文件混用了不同的文字编码：第 ${n(a.line, "zh")} 行是 ${a.encoding}，而文件（从第 ${n(a.since, "zh")} 行起）是 ${a.fileEncoding}，未导入任何内容。请把整个文件保存为同一种编码。${SAVE_AS_UTF8.zh}`,
  },
  bad_encoding: {
    en: (a) =>
      a.utf16
        ? `The file looks like UTF-16 text without a byte-order mark, which cannot be read reliably. Nothing was imported. ${SAVE_AS_UTF8.en}`
        : `Line ${n(a.line, "en")} contains bytes that are not ${a.fileEncoding ?? "UTF-8 or GBK/GB18030"} text. Nothing was imported. ${SAVE_AS_UTF8.en}`,
    zh: (a) =>
      a.utf16
        ? `该文件看起来是不带字节顺序标记（BOM）的 UTF-16 文本，无法可靠读取，未导入任何内容。${SAVE_AS_UTF8.zh}`
        : `第 ${n(a.line, "zh")} 行含有无法按 ${a.fileEncoding ?? "UTF-8 或 GBK/GB18030"} 识别的乱码字节，未导入任何内容。${SAVE_AS_UTF8.zh}`,
  },
  no_rows: {
    en: () => "The file has no rows (nothing, or only a header), so nothing was changed.",
    zh: () => "文件中没有任何数据行（为空或只有表头），知识库未做任何修改。",
  },
};

export function fileMessage(code: FileProblem | FileWarning, lang: Language, args: ProblemArgs = {}): string {
  return MESSAGES[code][lang](args);
}
