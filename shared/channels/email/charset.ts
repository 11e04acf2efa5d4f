import { EventEmitter } from "node:events";
import iconv from "iconv-lite";

/**
 * Body decoding for mailparser (its `Iconv` option). Two things the default decoder gets wrong for our
 * customers: mail labelled GB2312/Big5/Shift_JIS whose 8-bit body is really UTF-8 (misconfigured
 * clients and gateways that re-encode without relabelling) comes out as mojibake, and GB2312 labels on
 * GBK/GB18030 text lose the characters outside GB2312. Header encoded-words are decoded by libmime.
 */

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function isUtf8WithNonAscii(bytes: Uint8Array): boolean {
  if (!bytes.some((b) => b >= 0x80)) return false;
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Labels mail clients use for which iconv-lite has no name, or has a narrower table than intended. */
const ALIASES: Record<string, string> = {
  gb2312: "gb18030",
  gbk: "gb18030",
  "x-gbk": "gb18030",
  cp936: "gb18030",
  "euc-cn": "gb18030",
  "ks_c_5601-1987": "cp949",
  ks_c_5601: "cp949",
  "euc-kr": "cp949",
  big5: "big5hkscs",
  "x-sjis": "shift_jis",
  "shift-jis": "shift_jis",
};

/** ISO-2022-JP (JIS): 7-bit escapes around JIS X 0208 pairs, decoded via their EUC-JP form. */
function decodeIso2022Jp(bytes: Uint8Array): string {
  let mode: "ascii" | "jis0208" | "jis0212" | "katakana" = "ascii";
  let out = "";
  let euc: number[] = [];
  let half = 0;
  const flush = () => {
    if (euc.length) out += iconv.decode(Buffer.from(euc), "euc-jp");
    euc = [];
    half = 0;
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0x1b) {
      flush();
      const seq = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0, bytes[i + 3] ?? 0);
      if (seq.startsWith("$(D")) {
        mode = "jis0212";
        i += 3;
      } else if (seq.startsWith("$@") || seq.startsWith("$B")) {
        mode = "jis0208";
        i += 2;
      } else if (seq.startsWith("(I")) {
        mode = "katakana";
        i += 2;
      } else if (seq.startsWith("(B") || seq.startsWith("(J")) {
        mode = "ascii";
        i += 2;
      }
      continue;
    }
    if (mode === "ascii" || b === 0x0a || b === 0x0d) {
      flush();
      out += String.fromCharCode(b);
    } else if (mode === "katakana") {
      euc.push(0x8e, b | 0x80);
    } else {
      if (mode === "jis0212" && half === 0) euc.push(0x8f);
      euc.push(b | 0x80);
      half ^= 1;
    }
  }
  flush();
  return out;
}

/** Decodes a MIME text body declared in `charset`, preferring UTF-8 when the bytes are clearly UTF-8. */
export function decodeMailText(bytes: Uint8Array, charset: string): string {
  const name = charset.trim().toLowerCase();
  if (/^(iso-?2022-?jp|jis$|csiso2022jp)/.test(name)) return decodeIso2022Jp(bytes);
  if (isUtf8WithNonAscii(bytes)) return Buffer.from(bytes).toString("utf8");
  const target = ALIASES[name] ?? name;
  if (iconv.encodingExists(target)) return iconv.decode(Buffer.from(bytes), target);
  return Buffer.from(bytes).toString("utf8");
}

/**
 * The node-iconv shape mailparser drives (`new Iconv(from, to)`, write/end, data/end/error events).
 * Buffers the part: text bodies are small, and the UTF-8 check needs the whole part.
 */
export class MailIconv extends EventEmitter {
  private readonly chunks: Buffer[] = [];
  constructor(private readonly charset: string) {
    super();
  }

  write(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  end(): void {
    try {
      const text = decodeMailText(Buffer.concat(this.chunks), this.charset);
      this.emit("data", Buffer.from(text, "utf8"));
      this.emit("end");
    } catch (error) {
      this.emit("error", error);
    }
  }
}
