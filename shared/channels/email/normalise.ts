import { type Attachment, type InboundMessage, MESSAGE_LIMITS, maskedText } from "../../core/message";
import type { ParsedEmail } from "./mime";
import { extractReplyText } from "./reply";

/**
 * E-mail's own bounds, within MESSAGE_LIMITS (the webhook masks and cuts the text itself). The subject
 * travels in replyContext (the reply's "Re:" line, the ticket), so it is masked here and cut to a line.
 */
export const MAX_SUBJECT_CHARS = 255;
/**
 * Message-IDs longer than this are treated as absent: real ones are well under 100 characters (RFC 5322
 * allows a 998-character line), and every one is repeated in the conversation key and References.
 */
export const MAX_MESSAGE_ID_CHARS = 250;
/** The longest e-mail address (RFC 5321 path limit). */
export const MAX_ADDRESS_CHARS = 254;

const usableId = (id: string | undefined) => (id && id.length <= MAX_MESSAGE_ID_CHARS ? id : undefined);

/** "Re: Re: AW: 回复: x" → "x": our reply adds one "Re:", never a stack. */
export function baseSubject(subject: string): string {
  // One optional "[n]" between the prefix and its colon, so no two runs of spaces meet: linear time.
  return subject
    .replace(/^\s*(?:(?:re|aw|sv|vs|antw|答复|回复|回覆)\s*(?:\[\d+\]\s*)?[:：]\s*)+/i, "")
    .trim();
}

/** The first message of the thread, as every client in it will name it in References. */
export function threadRoot(mail: ParsedEmail, fallbackId: string): string {
  return (
    usableId(mail.references.find((id) => usableId(id))) ??
    usableId(mail.inReplyTo) ??
    usableId(mail.messageId) ??
    `<${fallbackId}>`
  );
}

/**
 * The References of our reply (RFC 5322 §3.6.4): the thread's first message, then as many of the latest
 * as fit the routing-data limit; clients thread on the first and the last.
 */
function replyReferences(references: string[], messageId: string): string {
  const ids = [...references.filter((id) => usableId(id)), messageId].filter(
    (id, i, all) => all.indexOf(id) === i,
  );
  const [first, ...rest] = ids;
  const kept: string[] = [];
  let length = first?.length ?? 0;
  for (const id of rest.reverse()) {
    if (length + 1 + id.length > MESSAGE_LIMITS.replyContextValueChars) break;
    kept.unshift(id);
    length += 1 + id.length;
  }
  return [...(first ? [first] : []), ...kept].join(" ");
}

function attachmentType(contentType: string): Attachment["type"] {
  const major = contentType.split("/")[0]?.toLowerCase();
  if (major === "image") return "image";
  if (major === "audio") return "voice";
  if (major === "video") return "video";
  return "file";
}

export interface NormalizeInput {
  mail: ParsedEmail;
  /** SES's id of this delivery: the same on every SNS retry, so the queue's deduplication absorbs them. */
  sesMessageId: string;
  /** Our address, as configured (KEFU_EMAIL_FROM). */
  ourAddress: string;
  receivedAt: string;
  rawRef: string;
}

export function toInboundMessage(input: NormalizeInput): InboundMessage {
  const { mail, sesMessageId, ourAddress } = input;
  const from = mail.from;
  if (!from) throw new Error("a mail without a From address cannot be answered");
  const body = extractReplyText(mail.text);
  // Customers often ask in the subject line and leave the body empty. The webhook masks and cuts it.
  const text = body || baseSubject(mail.subject);
  const attachments = mail.attachments.map(
    (a): Attachment => ({
      type: attachmentType(a.contentType),
      ...(a.name ? { name: a.name } : {}),
      contentType: a.contentType,
      size: a.size,
    }),
  );
  const messageId = usableId(mail.messageId) ?? `<${sesMessageId}>`;
  return {
    id: sesMessageId,
    channel: "email",
    conversationKey: `email:${ourAddress.toLowerCase()}:${threadRoot(mail, sesMessageId)}`,
    sender: { id: from.address, ...(from.name ? { name: from.name } : {}) },
    recipient: ourAddress.toLowerCase(),
    kind: text ? "text" : attachments.length ? "media" : "text",
    text,
    attachments,
    receivedAt: input.receivedAt,
    rawRef: input.rawRef,
    replyContext: {
      messageId,
      references: replyReferences(mail.references, messageId),
      subject: maskedText(mail.subject, MAX_SUBJECT_CHARS),
      from: from.address,
      to: ourAddress.toLowerCase(),
    },
  };
}
