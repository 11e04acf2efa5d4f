import { MalformedRequestError } from "../core/errors";
import type { Attachment } from "../core/message";

/**
 * What the channels' normalise.ts share: reading a platform message's flat fields into an
 * InboundMessage, whose schema validates the result as a whole.
 */

/** A field the conversation depends on, trimmed; MalformedRequestError names it (never its value). */
export function requiredField(fields: Record<string, string>, name: string): string {
  const value = fields[name]?.trim();
  if (!value) throw new MalformedRequestError(`the message has no ${name}`);
  return value;
}

/** Drops undefined and empty fields, so an attachment only carries what the platform sent. */
export function compactAttachment(
  attachment: { type: Attachment["type"] } & Partial<Record<string, string | number | undefined>>,
): Attachment {
  return Object.fromEntries(
    Object.entries(attachment).filter(([, v]) => v !== undefined && v !== ""),
  ) as Attachment;
}
