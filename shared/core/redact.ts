/**
 * Masks personal data before text reaches logs, prompts, conversation history or tickets: mainland
 * Chinese resident ID numbers (checksum-verified), mobile numbers, bank card numbers (Luhn- and
 * issuer-verified) and e-mail addresses. Verification keeps order numbers and other long digit runs
 * intact: masking them would make the FAQ and the agents blind to what the customer is asking about.
 *
 * Every place that masks (the webhook before the queue, the pipeline's guard, the desk's transcript and
 * assist prompts, the inspection audit, review, the learning loop) calls `redact` here, and inspection
 * finds with `findPersonalData`, which runs the same detectors: one rule decides what is personal.
 */

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

/** An 18-character resident ID (GB 11643-1999): a real birth date in 1900–2099 and the check character. */
export function isChineseId(candidate: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(candidate)) return false;
  const year = Number(candidate.slice(6, 10));
  const month = Number(candidate.slice(10, 12));
  const day = Number(candidate.slice(12, 14));
  if (year < 1900 || year > 2099) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  const sum = ID_WEIGHTS.reduce((acc, w, i) => acc + w * Number(candidate[i]), 0);
  return ID_CHECK[sum % 11] === candidate[17]?.toUpperCase();
}

export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * The card schemes a customer here holds, by issuer prefix and the lengths each issues. Luhn alone lets
 * one random digit run in ten through (a tenth of 19-digit order numbers); the prefix and length cut that
 * to about one in six hundred.
 */
const CARD_SCHEMES: { name: string; prefix: RegExp; lengths: readonly number[] }[] = [
  { name: "UnionPay", prefix: /^62/, lengths: [16, 17, 18, 19] },
  { name: "Visa", prefix: /^4/, lengths: [16] },
  { name: "Mastercard", prefix: /^(?:5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)/, lengths: [16] },
  { name: "American Express", prefix: /^3[47]/, lengths: [15] },
  { name: "JCB", prefix: /^35(?:2[89]|[3-8]\d)/, lengths: [16, 17, 18, 19] },
];

/** A Luhn-valid number of a known scheme's prefix and length; any prefix at 15–19 digits when labelled a card. */
export function isCardNumber(digits: string, labelledCard = false): boolean {
  if (digits.length < 15 || digits.length > 19 || !passesLuhn(digits)) return false;
  if (labelledCard) return true;
  return CARD_SCHEMES.some((s) => s.prefix.test(digits) && s.lengths.includes(digits.length));
}

// What the customer wrote right before a number says what it is: "订单号：", "tracking no. ", "卡号是".
// A number called an order or tracking number is one, whatever its checksum; one called a card is one
// even when its issuer is not in CARD_SCHEMES (older domestic cards: 9558…, 601382…).
// A plain string, not String.raw: esbuild escapes a plain string's Chinese to ASCII, not a raw template's,
// and one non-ASCII byte makes V8 hold the whole webhook bundle as a slower two-byte source.
const LABEL_END = "\\s*(?:号码|号|编号|number|no\\.?|id|#)?\\s*(?:是|为|is)?\\s*[:：#]?\\s*$";
const ORDER_LABEL = new RegExp(`(?:订单|单号|运单|order|tracking|waybill)${LABEL_END}`, "i");
const CARD_LABEL = new RegExp(`(?:卡|card|银行)${LABEL_END}`, "i");
const LABEL_WINDOW = 24;

function labelBefore(text: string, start: number): "order" | "card" | undefined {
  const before = text.slice(Math.max(0, start - LABEL_WINDOW), start);
  if (ORDER_LABEL.test(before)) return "order";
  if (CARD_LABEL.test(before)) return "card";
  return undefined;
}

// Long numbers may be grouped by single spaces or hyphens ("6222 0202 0011 2233 446",
// "110105-19491231-002X"). A hyphen binds ("231121-123456789012345" is one order number, not a number
// after a date), a space separates; Latin letters glued on make a code (SF1234…, a waybill), not an ID or
// a card. Phones only need digit boundaries: "tel13812345678", "wx13812345678" are phones.
const ID_PATTERN = /(?<![\dA-Za-z]|\d-)\d(?:[ -]?\d){16}[ -]?[\dXx](?![\dA-Za-z]|-\d)/g;
const CARD_PATTERN = /(?<![\dA-Za-z]|\d-)\d(?:[ -]?\d){14,18}(?![\dA-Za-z]|-\d)/g;
const PHONE_PATTERN = /(?<!\d)(?:(?:\+|00)?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)/g;
// The lookbehind starts an address only where a run of address characters starts: without it a long run
// with no "@" in it was scanned again from each of its characters (quadratic: 10 KB took 0.5 s).
const EMAIL_PATTERN = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

// Full-width digits, Latin letters, "+", "-", "." and "@", and the ideographic space, as Chinese input
// methods type them ("１３８１２３４５６７８"). Folded one code unit for one, so a match's position in
// the folded text is its position in the original; NFKC would fold them too but changes lengths ("㍿").
const FULL_WIDTH = /[\uFF0B\uFF0D\uFF0E\uFF10-\uFF19\uFF20-\uFF3A\uFF41-\uFF5A\u3000]/g;

const HAS_FULL_WIDTH = new RegExp(FULL_WIDTH.source);

function foldWidth(text: string): string {
  if (!HAS_FULL_WIDTH.test(text)) return text;
  return text.replace(FULL_WIDTH, (ch) =>
    ch === "\u3000" ? " " : String.fromCharCode(ch.charCodeAt(0) - 0xfee0),
  );
}

const digitsOf = (match: string) => match.replace(/[ -]/g, "");

export type PersonalDataKind = "id" | "card" | "phone" | "email";

export interface PersonalDataHit {
  kind: PersonalDataKind;
  start: number;
  end: number;
}

/** A hit with the matched text, full-width characters folded: what its mask is made from. */
type Match = PersonalDataHit & { value: string };

/**
 * Where personal data is in `text`, by position in `text` itself, sorted, without the data: inspections
 * point at it without copying it. One claim per span, in the order ID, card, phone, e-mail:
 * "110105 19491231 002X" is an ID, not a phone inside one.
 */
export function findPersonalData(text: string): PersonalDataHit[] {
  return matchPersonalData(text).map(({ kind, start, end }) => ({ kind, start, end }));
}

function matchPersonalData(text: string): Match[] {
  const folded = foldWidth(text);
  const hits: Match[] = [];
  const scan = (
    kind: PersonalDataKind,
    pattern: RegExp,
    accept: (value: string, start: number) => boolean,
  ) => {
    for (const match of folded.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (hits.some((h) => start < h.end && h.start < end)) continue;
      if (accept(match[0], start)) hits.push({ kind, start, end, value: match[0] });
    }
  };
  // Most messages have no digit or no "@": one scan for each says which detectors can find anything.
  if (/\d/.test(folded)) {
    scan("id", ID_PATTERN, (m, start) => isChineseId(digitsOf(m)) && labelBefore(folded, start) !== "order");
    scan("card", CARD_PATTERN, (m, start) => {
      const label = labelBefore(folded, start);
      return label !== "order" && isCardNumber(digitsOf(m), label === "card");
    });
    scan("phone", PHONE_PATTERN, () => true);
  }
  if (folded.includes("@")) scan("email", EMAIL_PATTERN, () => true);
  return hits.sort((a, b) => a.start - b.start);
}

function mask(hit: Match): string {
  switch (hit.kind) {
    case "id": {
      const id = digitsOf(hit.value);
      return `${id.slice(0, 3)}***********${id.slice(-4)}`;
    }
    case "card":
      return `****${digitsOf(hit.value).slice(-4)}`;
    case "phone": {
      const digits = hit.value.replace(/\D/g, "").slice(-11);
      return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
    }
    case "email": {
      const [local = "", domain = ""] = hit.value.split("@");
      return `${local.slice(0, 1)}***@${domain}`;
    }
  }
}

export interface RedactionResult {
  text: string;
  /** How many of each kind were masked (for metrics; never the values). */
  found: Record<PersonalDataKind, number>;
}

export function redactPersonalData(text: string): RedactionResult {
  const found = { id: 0, card: 0, phone: 0, email: 0 };
  let out = "";
  let from = 0;
  for (const hit of matchPersonalData(text)) {
    out += text.slice(from, hit.start) + mask(hit);
    from = hit.end;
    found[hit.kind]++;
  }
  return { text: out + text.slice(from), found };
}

/** Convenience for callers that only need the masked text. */
export function redact(text: string): string {
  return redactPersonalData(text).text;
}
