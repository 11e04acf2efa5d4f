/**
 * The FAQ files an admin may upload, by extension, and the format each is parsed as: one list for the
 * importer, the desk API's upload route and the desk's file picker (which imports this file, so it
 * imports nothing). "csv" covers delimited text: comma- or tab-separated (.csv, .tsv, and Excel's
 * "Unicode Text" .txt).
 */
export const FAQ_FILE_FORMATS = {
  ".csv": "csv",
  ".tsv": "csv",
  ".txt": "csv",
  ".xlsx": "xlsx",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
} as const;

export type FaqFormat = (typeof FAQ_FILE_FORMATS)[keyof typeof FAQ_FILE_FORMATS];

/** The extensions, in order, for a file picker's `accept` and for messages: ".csv, .tsv, …". */
export const FAQ_FILE_EXTENSIONS = Object.keys(FAQ_FILE_FORMATS) as (keyof typeof FAQ_FILE_FORMATS)[];

export function faqFormatOf(fileName: string): FaqFormat | undefined {
  const lower = fileName.toLowerCase();
  const extension = FAQ_FILE_EXTENSIONS.find((e) => lower.endsWith(e));
  return extension ? FAQ_FILE_FORMATS[extension] : undefined;
}
