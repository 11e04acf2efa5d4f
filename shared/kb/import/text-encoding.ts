import { TextDecoder } from "node:util";
import iconv from "iconv-lite";
import { FaqFileError } from "./problems";

/**
 * Decodes an uploaded text file (CSV, tab-separated text, JSONL) in one encoding for the whole file.
 *
 * - A byte-order mark decides: UTF-8, or UTF-16LE/BE (Excel's "Unicode Text" is UTF-16LE with a BOM).
 * - Otherwise the file is UTF-8 or GB18030 (a superset of GBK/GB2312: what Excel on Chinese Windows
 *   writes for "CSV"), decided by its first line that only one of them reads: a line that is not valid
 *   UTF-8 is GB18030; a valid UTF-8 line with a character from U+0800 up (every CJK character) is UTF-8.
 *   GBK text essentially never passes as such UTF-8 (0 in 200,000 samples of 1–20 characters), while
 *   short lines that are valid in both (UTF-8 "é", GBK "取") are common: they wait for the decision.
 * - Every later line must be in the decided encoding. The first one that is not stops the import with
 *   its line number: decoding it anyway is how a mixed file used to be stored garbled while reporting
 *   success.
 *
 * Lines are split at LF, which is never part of a multi-byte character in UTF-8 or GB18030.
 */
export async function* decodeText(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let decoder: FileDecoder | undefined;
  const head: Buffer[] = [];
  let headBytes = 0;
  for await (const chunk of body) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!decoder) {
      // Three bytes tell a BOM apart.
      head.push(bytes);
      headBytes += bytes.length;
      if (headBytes < 3) continue;
      const start = Buffer.concat(head);
      decoder = decoderFor(start);
      const text = decoder.write(start);
      if (text) yield text;
      continue;
    }
    const text = decoder.write(bytes);
    if (text) yield text;
  }
  if (!decoder) {
    const start = Buffer.concat(head);
    decoder = decoderFor(start);
    const text = decoder.write(start);
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

const UTF8 = "UTF-8";
const GB = "GBK/GB18030";

interface FileDecoder {
  write(bytes: Buffer): string;
  end(): string;
}

function decoderFor(start: Buffer): FileDecoder {
  if (start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf) return new LineDecoder(UTF8);
  if (start[0] === 0xff && start[1] === 0xfe) return new Utf16Decoder("utf-16le");
  if (start[0] === 0xfe && start[1] === 0xff) return new Utf16Decoder("utf-16be");
  return new LineDecoder();
}

/** UTF-16 with a BOM is unambiguous; only unpaired surrogates can be wrong. */
class Utf16Decoder implements FileDecoder {
  private readonly decoder: TextDecoder;
  private lines = 1;
  private header: string | undefined;

  constructor(private readonly label: "utf-16le" | "utf-16be") {
    this.decoder = new TextDecoder(label, { fatal: true });
  }

  write(bytes: Buffer): string {
    return this.decode(() => this.decoder.decode(bytes, { stream: true }));
  }

  end(): string {
    return this.decode(() => this.decoder.decode());
  }

  private decode(step: () => string): string {
    let text: string;
    try {
      text = step();
    } catch (err) {
      const encoding = this.label === "utf-16le" ? "UTF-16LE" : "UTF-16BE";
      const args = { line: this.lines, fileEncoding: encoding };
      throw new FaqFileError("bad_encoding", args, { cause: err, header: this.header });
    }
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.lines++;
    this.header ??= firstLineOf(text);
    return text;
  }
}

type Encoding = typeof UTF8 | typeof GB;

/** What one line's bytes can be. */
type LineKind =
  | { kind: "ascii" | "utf8"; utf8: string }
  | { kind: "either"; utf8: string; bytes: Buffer }
  | { kind: "gb"; gb: string }
  | { kind: "neither" };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for non-ASCII is the point
const NON_ASCII = /[^\u0000-\u007f]/;
const THREE_BYTES_OR_MORE = /[\u0800-\uffff]/;

/** Bytes that cannot be GB18030 come out of iconv-lite as U+FFFD. */
function gb18030(bytes: Buffer): string | undefined {
  const text = iconv.decode(bytes, "gb18030");
  return text.includes("\uFFFD") ? undefined : text;
}

function classify(bytes: Buffer): LineKind {
  let utf8: string | undefined;
  try {
    utf8 = strictUtf8.decode(bytes);
  } catch {
    utf8 = undefined;
  }
  if (utf8 !== undefined) {
    if (!NON_ASCII.test(utf8)) return { kind: "ascii", utf8 };
    if (THREE_BYTES_OR_MORE.test(utf8) || gb18030(bytes) === undefined) return { kind: "utf8", utf8 };
    return { kind: "either", utf8, bytes };
  }
  const gb = gb18030(bytes);
  return gb === undefined ? { kind: "neither" } : { kind: "gb", gb };
}

/** How much text may wait for the encoding to be decided before UTF-8 (valid for all of it) is chosen. */
const UNDECIDED_LIMIT = 64 * 1024;

class LineDecoder implements FileDecoder {
  private line = 0;
  /** The line that decided the encoding. */
  private since = 0;
  private partial: Buffer[] = [];
  /** The first line with text, for the report's language. */
  private header: string | undefined;
  /** Lines read before the encoding was decided. */
  private waiting: Exclude<LineKind, { kind: "gb" | "neither" }>[] = [];
  private waitingBytes = 0;

  constructor(private encoding?: Encoding) {
    if (encoding) this.since = 1;
  }

  write(bytes: Buffer): string {
    let out = "";
    let start = 0;
    for (let lf = bytes.indexOf(0x0a); lf !== -1; lf = bytes.indexOf(0x0a, start)) {
      const piece = bytes.subarray(start, lf + 1);
      out += this.readLine(this.partial.length > 0 ? Buffer.concat([...this.partial, piece]) : piece);
      this.partial = [];
      start = lf + 1;
    }
    if (start < bytes.length) this.partial.push(bytes.subarray(start));
    return out;
  }

  end(): string {
    let out = this.partial.length > 0 ? this.readLine(Buffer.concat(this.partial)) : "";
    this.partial = [];
    if (!this.encoding) out += this.decide(UTF8);
    return out;
  }

  private readLine(bytes: Buffer): string {
    this.line++;
    const text = this.decodeLine(bytes);
    this.header ??= firstLineOf(text);
    return text;
  }

  private decodeLine(bytes: Buffer): string {
    if (bytes.includes(0)) throw this.nulBytes(bytes);
    const line = classify(bytes);
    if (line.kind === "neither") throw this.notText();
    if (!this.encoding) {
      if (line.kind === "utf8") return this.decide(UTF8) + line.utf8;
      if (line.kind === "gb") return this.decide(GB) + line.gb;
      // ASCII reads the same in both: it waits only behind a line that is valid in both.
      if (line.kind === "ascii" && this.waiting.length === 0) return line.utf8;
      this.waiting.push(line);
      this.waitingBytes += bytes.length;
      return this.waitingBytes > UNDECIDED_LIMIT ? this.decide(UTF8) : "";
    }
    if (this.encoding === UTF8) {
      if (line.kind === "gb") throw this.mixed(GB);
      return line.utf8;
    }
    if (line.kind === "utf8") throw this.mixed(UTF8);
    if (line.kind === "gb") return line.gb;
    return line.kind === "either" ? (gb18030(line.bytes) ?? "") : line.utf8;
  }

  /** Fixes the encoding and returns the waiting lines decoded in it. */
  private decide(encoding: Encoding): string {
    this.encoding = encoding;
    this.since = this.line;
    const text = this.waiting
      .map((l) => (encoding === GB && l.kind === "either" ? (gb18030(l.bytes) ?? "") : l.utf8))
      .join("");
    this.waiting = [];
    return text;
  }

  private mixed(encoding: Encoding): FaqFileError {
    const args = { line: this.line, encoding, fileEncoding: this.encoding, since: this.since };
    return new FaqFileError("mixed_encoding", args, { header: this.header });
  }

  private notText(): FaqFileError {
    const args = { line: this.line, ...(this.encoding ? { fileEncoding: this.encoding } : {}) };
    return new FaqFileError("bad_encoding", args, { header: this.header });
  }

  /** NUL bytes: UTF-16 without its BOM when about every other byte is NUL, else not text at all. */
  private nulBytes(bytes: Buffer): FaqFileError {
    const nuls = bytes.reduce((n, b) => (b === 0 ? n + 1 : n), 0);
    if (nuls * 3 < bytes.length) return this.notText();
    return new FaqFileError("bad_encoding", { line: this.line, utf16: true }, { header: this.header });
  }
}

function firstLineOf(text: string): string | undefined {
  for (const line of text.split("\n")) if (line.trim() !== "") return line.trim();
  return undefined;
}
