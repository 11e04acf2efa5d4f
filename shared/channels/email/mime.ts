import { type AddressObject, type HeaderValue, simpleParser } from "mailparser";
import { MailIconv } from "./charset";

/** What Kefu needs of one RFC 822 message; attachments are described, never carried. */
export interface ParsedEmail {
  /** The RFC Message-ID header, with its angle brackets. */
  messageId?: string;
  inReplyTo?: string;
  /** The References chain, oldest first. */
  references: string[];
  subject: string;
  from?: { address: string; name?: string };
  /** How many authors the From header(s) name: a reply goes to `from` only when there is exactly one. */
  fromCount: number;
  /** The `d=` domains of the DKIM-Signature headers, lower case, for the sender checks (auth.ts). */
  dkimDomains: string[];
  to: string[];
  /** The body as plain text (from the text part, else converted from HTML). */
  text: string;
  attachments: { name?: string; contentType: string; size: number }[];
  /** Lower-case header name → raw value(s), for the automated-mail checks. */
  headers: Map<string, string>;
  contentType: string;
}

/**
 * RFC 3676 says a change of quote depth ends a flowed paragraph, but mailparser joins "> quoted " with
 * the unquoted reply below it, so a Thunderbird bottom-post loses the reply into the quote. Without
 * format=flowed the lines stay apart; the soft breaks that remain cost nothing to the reply extractor.
 */
function withoutFlowed(raw: Uint8Array): Buffer {
  const latin1 = Buffer.from(raw).toString("latin1");
  if (!/format\s*=\s*"?flowed/i.test(latin1)) return Buffer.from(raw);
  const fixed = latin1.replace(/^Content-Type:[^\n]*(?:\r?\n[ \t][^\n]*)*/gim, (header) =>
    header.replace(/;\s*format\s*=\s*"?flowed"?/gi, ""),
  );
  return Buffer.from(fixed, "latin1");
}

function addresses(value: AddressObject | AddressObject[] | undefined): { address: string; name?: string }[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  const out: { address: string; name?: string }[] = [];
  for (const group of list) {
    for (const entry of group.value) {
      for (const member of entry.group ?? [entry]) {
        if (member.address)
          out.push({ address: member.address.toLowerCase(), ...(member.name ? { name: member.name } : {}) });
      }
    }
  }
  return out;
}

function headerText(value: HeaderValue): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value))
    return value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === "object" && "value" in value) {
    const v = (value as { value: unknown }).value;
    return typeof v === "string" ? v : ((value as { text?: string }).text ?? "");
  }
  return String(value ?? "");
}

const MSGID = /<[^<>\s]+>/g;

function messageIds(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(" ") : (value ?? "");
  return joined.match(MSGID) ?? [];
}

/** The `d=` tag of each DKIM-Signature header (RFC 6376 §3.5), unfolded and lower-cased. */
function dkimDomains(lines: readonly { key: string; line: string }[]): string[] {
  const domains: string[] = [];
  for (const { key, line } of lines) {
    if (key !== "dkim-signature") continue;
    const value = line.slice(line.indexOf(":") + 1).replace(/\r?\n/g, "");
    const tag = value
      .split(";")
      .map((t) => t.trim())
      .find((t) => /^d\s*=/i.test(t));
    domains.push(
      (tag ?? "")
        .replace(/^d\s*=\s*/i, "")
        .trim()
        .toLowerCase(),
    );
  }
  return domains;
}

/** Parses any charset and transfer encoding; throws only on input that is not a message at all. */
export async function parseEmail(raw: Uint8Array): Promise<ParsedEmail> {
  const mail = await simpleParser(withoutFlowed(raw), {
    Iconv: MailIconv as never,
    skipTextToHtml: true,
    skipImageLinks: true,
    skipTextLinks: true,
    keepCidLinks: false,
  });
  const headers = new Map<string, string>();
  for (const [name, value] of mail.headers) headers.set(name.toLowerCase(), headerText(value));
  const contentType = (headers.get("content-type") ?? "text/plain").toLowerCase();
  const fromAddresses = addresses(mail.from);
  const [from] = fromAddresses;
  // mailparser keeps the last of several From headers; a forged one may hide behind another.
  const fromHeaders = mail.headerLines.filter((h) => h.key === "from").length;
  const text = mail.text?.trim() ? mail.text : "";
  return {
    ...(mail.messageId ? { messageId: messageIds(mail.messageId)[0] ?? mail.messageId } : {}),
    ...(mail.inReplyTo ? { inReplyTo: messageIds(mail.inReplyTo)[0] ?? mail.inReplyTo } : {}),
    references: messageIds(mail.references),
    subject: mail.subject ?? "",
    ...(from ? { from } : {}),
    fromCount: Math.max(fromHeaders, fromAddresses.length),
    dkimDomains: dkimDomains(mail.headerLines),
    to: addresses(mail.to).map((a) => a.address),
    text,
    attachments: mail.attachments
      // Alternative bodies (text/watch-html) and delivery reports are parts, not files the customer sent.
      .filter((a) => a.filename || !/^(text|message)\//i.test(a.contentType))
      .map((a) => ({
        ...(a.filename ? { name: a.filename } : {}),
        contentType: a.contentType,
        size: a.size,
      })),
    headers,
    contentType,
  };
}

const AUTO_SUBJECT =
  /^(auto(matic|matische)?[\s_-]*(reply|response|antwort)|out of (the )?office|abwesenheitsnotiz|réponse automatique|respuesta automática|risposta automatica|自动回复|自動回覆|自動回复|自动答复|自動応答|不在办公室)/i;
const BOUNCE_SENDER = /^(mailer-daemon|postmaster|mail-daemon|mailer_daemon)@/i;

/**
 * Why this mail must not be answered, if it must not: auto-replies (RFC 3834 Auto-Submitted and the
 * older X-Autoreply/Precedence conventions), bounces and delivery reports. Answering them is how two
 * robots end up mailing each other forever.
 */
export function automatedReason(mail: ParsedEmail, envelopeSender?: string): string | undefined {
  const h = mail.headers;
  const autoSubmitted = h.get("auto-submitted")?.trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== "no") return "auto-submitted";
  if (
    h.has("x-autoreply") ||
    h.has("x-autorespond") ||
    h.has("x-autoreply-from") ||
    h.has("x-mail-autoreply")
  ) {
    return "auto-reply";
  }
  const precedence = h.get("precedence")?.trim().toLowerCase();
  if (precedence && ["bulk", "junk", "auto_reply", "list"].includes(precedence))
    return `precedence ${precedence}`;
  if (mail.contentType.startsWith("multipart/report")) return "delivery report";
  if (mail.from && BOUNCE_SENDER.test(mail.from.address)) return "bounce";
  if (
    envelopeSender !== undefined &&
    (envelopeSender === "" || envelopeSender === "<>" || BOUNCE_SENDER.test(envelopeSender))
  ) {
    return "bounce";
  }
  const subject = mail.subject.replace(/^((re|aw|fw|fwd|答复|回复)\s*[:：]\s*)+/i, "").trim();
  if (AUTO_SUBJECT.test(subject)) return "auto-reply subject";
  return undefined;
}
