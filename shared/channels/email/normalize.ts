import type { Attachment, InboundMessage } from "../../core/message";
import type { ParsedEmail } from "./mime";
import { extractReplyText } from "./reply";

/** Long enough for any question; a pasted log or contract beyond it is for a human, not for retrieval. */
export const MAX_TEXT_CHARS = 4000;

/** "Re: Re: AW: 回复: x" → "x": our reply adds one "Re:", never a stack. */
export function baseSubject(subject: string): string {
  // One optional "[n]" between the prefix and its colon, so no two runs of spaces meet: linear time.
  return subject
    .replace(/^\s*(?:(?:re|aw|sv|vs|antw|答复|回复|回覆)\s*(?:\[\d+\]\s*)?[:：]\s*)+/i, "")
    .trim();
}

/** The first message of the thread, as every client in it will name it in References. */
export function threadRoot(mail: ParsedEmail, fallbackId: string): string {
  return mail.references[0] ?? mail.inReplyTo ?? mail.messageId ?? `<${fallbackId}>`;
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
  /** SES's id of this delivery: the same on every SNS retry, so the shared dedup absorbs them. */
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
  // Customers often ask in the subject line and leave the body empty.
  const text = (body || baseSubject(mail.subject)).slice(0, MAX_TEXT_CHARS).trim();
  const attachments = mail.attachments.map(
    (a): Attachment => ({
      type: attachmentType(a.contentType),
      ...(a.name ? { name: a.name } : {}),
      contentType: a.contentType,
      size: a.size,
    }),
  );
  const messageId = mail.messageId ?? `<${sesMessageId}>`;
  const references = [...mail.references, ...(mail.references.includes(messageId) ? [] : [messageId])];
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
      references: references.join(" "),
      subject: mail.subject,
      from: from.address,
      to: ourAddress.toLowerCase(),
    },
  };
}
