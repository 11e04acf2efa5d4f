/**
 * SMS segment arithmetic (3GPP TS 23.038 / 23.040). A message is sent in GSM-7 when every character is in
 * the GSM default alphabet or its extension table, otherwise in UCS-2:
 *
 * | encoding | one SMS | per segment when concatenated |
 * | -------- | ------- | ----------------------------- |
 * | GSM-7    | 160 septets | 153 (7 septets go to the concatenation header) |
 * | UCS-2    | 70 UTF-16 units | 67 (6 header bytes = 3 units) |
 *
 * Extension-table characters (`^{}\[~]|€` and form feed) take two septets (escape + character); characters
 * outside the Basic Multilingual Plane (most emoji) take two UCS-2 units. Neither pair is ever split across
 * two segments, so a concatenated segment may carry one unit less than its nominal size: counting that
 * honestly is what makes "at most N segments" true on the handset too. Chinese is always UCS-2: 70
 * characters in a single SMS, 67 per segment beyond that.
 */

export type SmsEncoding = "GSM-7" | "UCS-2";

export const SINGLE_SEGMENT = { "GSM-7": 160, "UCS-2": 70 } as const;
export const CONCATENATED_SEGMENT = { "GSM-7": 153, "UCS-2": 67 } as const;

const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENSION = "\f^{}\\[~]|€";

const basic = new Set(Array.from(GSM_BASIC));
const extension = new Set(Array.from(GSM_EXTENSION));

/** Septets one character takes in GSM-7, or undefined when GSM-7 cannot carry it. */
export function gsmSeptets(char: string): 1 | 2 | undefined {
  if (basic.has(char)) return 1;
  if (extension.has(char)) return 2;
  return undefined;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (gsmSeptets(char) === undefined) return false;
  return true;
}

export function smsEncoding(text: string): SmsEncoding {
  return isGsm7(text) ? "GSM-7" : "UCS-2";
}

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

/** How many SMS segments the text takes, as the carrier splits it. An empty text is one (empty) SMS. */
export function countSegments(text: string): SegmentCount {
  const encoding = smsEncoding(text);
  const widths = Array.from(text, (char) => (encoding === "GSM-7" ? (gsmSeptets(char) ?? 1) : char.length));
  const units = widths.reduce((sum, w) => sum + w, 0);
  if (units <= SINGLE_SEGMENT[encoding]) return { encoding, units, segments: 1 };
  const size = CONCATENATED_SEGMENT[encoding];
  let segments = 1;
  let used = 0;
  for (const w of widths) {
    if (used + w > size) {
      segments++;
      used = 0;
    }
    used += w;
  }
  return { encoding, units, segments };
}
