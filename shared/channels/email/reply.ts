/**
 * The new text of an e-mail reply: quoted history and signatures removed, so the bot answers what the
 * customer just wrote and not the thread below it. Heuristic, line-based, like mailgun/talon's
 * plain-text extractor: top-posted replies are cut at the first quote header ("On … wrote:",
 * "-----Original Message-----", an Outlook "From:/Sent:" block, "在 … 写道："), `>` lines go wherever
 * they are (bottom-posting, inline answers).
 *
 * It runs in the webhook on whatever a sender puts in a mail, so its time is linear in the text: every
 * line is looked at a bounded number of times, and no pattern can backtrack over a run of characters
 * more than once (no two adjacent repeats that can match the same character, such as `\s*\**\s*`).
 */

/** "wrote:" in the languages our customers' mail clients speak. */
const WROTE =
  /(wrote|writes|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|napisał|skrev|kirjoitti|写道|寫道|來信|написал[аи]?|書きました|작성)(?:\s*[:：])?\s*$/i;
/** How an attribution line starts: "On", "Am", "Le", "在", "于", or a date. */
const ATTRIBUTION_START = /^\s*(On|Am|Le|El|Il|Op|Em|Den|W dniu|Dne|在|于|於|\d)/i;
const SEPARATOR =
  /^\s*[-_=*]{2,}\s*(Original Message|Original|Reply Message|原始邮件|原始郵件|原邮件|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Messaggio originale|Oorspronkelijk bericht|Исходное сообщение)\s*[-_=*]{2,}\s*$/i;
/** "From:", "**From:**", "*From*:": spaces and asterisks around the name form one run, matched once. */
const HEADER_FROM = /^[\s*]*(From|发件人|發件人|寄件者|寄件人|Von|De|Da|Van|От)[\s*]*[:：]/i;
const HEADER_OTHER =
  /^[\s*]*(Sent|Date|To|Subject|Cc|发送时间|發送時間|日期|时间|收件人|收件者|主题|主旨|抄送|Gesendet|Datum|An|Betreff|Envoyé|Objet|À|Enviado|Asunto|Para|Inviato|Oggetto|Отправлено|Кому|Тема)[\s*]*[:：]/i;
const UNDERSCORES = /^\s*_{8,}\s*$/;
const QUOTED = /^\s*[>＞]/;
/** Something an attribution carries and a sentence of a reply rarely ends with: a date, a time, an address. */
const ATTRIBUTION_EVIDENCE = /(\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2}|@|<)/;

function isAttributionAt(lines: string[], i: number): number {
  // An attribution may be wrapped over up to three lines; returns how many lines it spans, or 0.
  const first = lines[i] ?? "";
  if (!ATTRIBUTION_START.test(first)) return 0;
  let joined = "";
  for (let n = 1; n <= 3 && i + n - 1 < lines.length; n++) {
    const line = lines[i + n - 1] ?? "";
    if (n > 1 && line.trim() === "") break;
    joined += `${joined ? " " : ""}${line.trim()}`;
    if (joined.length > 300) return 0;
    if (WROTE.test(joined)) return n;
  }
  return 0;
}

function isHeaderBlockAt(lines: string[], i: number): boolean {
  const first = lines[i] ?? "";
  const startsBlock =
    HEADER_FROM.test(first) || (UNDERSCORES.test(first) && HEADER_FROM.test(lines[i + 1] ?? ""));
  if (!startsBlock) return false;
  // A header block has at least two more header lines (Sent/Date, To, Subject) right below.
  let others = 0;
  for (let j = i + 1; j < Math.min(lines.length, i + 7); j++) {
    if (HEADER_OTHER.test(lines[j] ?? "")) others++;
  }
  return others >= 2;
}

/** A line ending in ":" just above a `>` block, with a date or address in it: an unknown-language attribution. */
function isGenericAttributionAt(lines: string[], i: number): number {
  const first = lines[i] ?? "";
  if (QUOTED.test(first) || !ATTRIBUTION_EVIDENCE.test(first)) return 0;
  for (let n = 1; n <= 3; n++) {
    const last = lines[i + n - 1];
    if (last === undefined || (n > 1 && last.trim() === "")) return 0;
    const end = last.trimEnd();
    if (!end.endsWith(":") && !end.endsWith("：")) continue;
    let next = i + n;
    while (next < lines.length && (lines[next] ?? "").trim() === "") next++;
    const joined = lines.slice(i, i + n).join(" ");
    if (QUOTED.test(lines[next] ?? "") && ATTRIBUTION_EVIDENCE.test(joined) && joined.length <= 300) return n;
    return 0;
  }
  return 0;
}

const hasContent = (lines: string[]) => lines.some((l) => l.trim() !== "" && !QUOTED.test(l));

/** Removes quoted history; keeps the customer's own words wherever they are. */
export function stripQuotedText(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const kept: string[] = [];
  // Whether the customer has written anything yet, kept as we go instead of re-reading `kept`.
  let wroteSomething = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    // A blank line is neither a quote header nor a quote: no pattern needs to look at it.
    if (line.trim() === "") {
      kept.push(line);
      continue;
    }
    const attribution = isAttributionAt(lines, i) || isGenericAttributionAt(lines, i);
    const hardStop = SEPARATOR.test(line) || isHeaderBlockAt(lines, i);
    if (attribution || hardStop) {
      // Top-posting: everything below is history. Bottom-posting (nothing written yet): skip the header.
      if (wroteSomething) break;
      // A forward with no comment of its own: the forwarded text is the question.
      if (hardStop) return lines.slice(i).join("\n").trim();
      i += attribution - 1;
      continue;
    }
    if (QUOTED.test(line)) continue;
    kept.push(line);
    wroteSomething = true;
  }
  return kept.join("\n").trim();
}

const SIGN_OFF = [
  /^sent from my .{1,40}$/i,
  /^sent from (mail|outlook|yahoo mail|gmail|aol|my mobile|samsung|huawei|xiaomi).{0,40}$/i,
  /^sent (with|via|using) .{1,60}$/i,
  /^get outlook for .{1,20}$/i,
  /^(发自|来自|發自|來自)我的\s?.{1,20}$/,
  /^从我的\s?.{1,20}发送$/,
  /^(发自|来自)(网易邮箱|QQ邮箱|手机QQ邮箱|企业微信|钉钉|阿里邮箱).{0,20}$/i,
  /^(enviado desde mi|envoyé de mon|von meinem|inviato da|verzonden vanaf mijn) .{1,40}$/i,
];

/** Removes a trailing signature: everything from a "-- " line, and mobile sign-offs at the end. */
export function stripSignature(text: string): string {
  const lines = text.split("\n");
  const dashes = lines.findIndex((l, i) => i > 0 && /^--\s?$/.test(l));
  let end = dashes > 0 && hasContent(lines.slice(0, dashes)) ? dashes : lines.length;
  // Sign-offs only count near the end: "sent from my phone, the order number is…" is content.
  for (let i = Math.max(1, end - 4); i < end; i++) {
    const line = (lines[i] ?? "").trim();
    if (SIGN_OFF.some((re) => re.test(line)) && hasContent(lines.slice(0, i))) {
      end = i;
      break;
    }
  }
  return lines.slice(0, end).join("\n").trim();
}

/** The customer's new words in a reply: quotes, then signature, removed. */
export function extractReplyText(text: string): string {
  return stripSignature(stripQuotedText(text));
}
