import { type InboundMessage, MESSAGE_LIMITS, QueuedMessageSchema } from "../../shared/core/message";

/**
 * Characters JSON makes the longest, per UTF-16 code unit (the unit MESSAGE_LIMITS counts): a control
 * character is written `\u0001` (6 bytes for 1 unit); a character above U+FFFF is escaped as a pair by
 * toQueueBody (12 bytes for 2 units); a lone surrogate is escaped by JSON.stringify (6 bytes for 1 unit).
 * Nothing is longer: UTF-8 takes at most 3 bytes per unit.
 */
export const WORST_CHARACTERS = { control: "\u0001", astral: "😀", loneSurrogate: "\ud800" } as const;

/** `units` UTF-16 code units of `character`. */
function fill(character: string, units: number): string {
  return character.repeat(Math.floor(units / character.length));
}

/**
 * The largest message the queue can be given: every field QueuedMessageSchema bounds at its limit, in
 * the character JSON writes the longest, every list at its maximum length.
 */
export function largestQueuedMessage(character: string = WORST_CHARACTERS.control): InboundMessage {
  const L = MESSAGE_LIMITS;
  const worst = (units: number) => fill(character, units);
  return QueuedMessageSchema.parse({
    id: worst(L.idChars),
    channel: "wechat",
    conversationKey: worst(L.conversationKeyChars),
    sender: { id: worst(L.idChars), name: worst(L.senderNameChars) },
    recipient: worst(L.idChars),
    kind: "event",
    text: worst(L.textChars),
    event: worst(L.eventChars),
    attachments: Array.from({ length: L.attachments }, () => ({
      type: "other",
      ref: worst(L.attachmentRefChars),
      url: worst(L.attachmentUrlChars),
      name: worst(L.attachmentNameChars),
      contentType: worst(L.contentTypeChars),
      size: Number.MAX_SAFE_INTEGER,
    })),
    receivedAt: "2026-11-21T10:00:00.000Z",
    rawRef: worst(L.rawRefChars),
    replyContext: Object.fromEntries(
      Array.from({ length: L.replyContextEntries }, (_, i) => [
        `${i}`.padStart(2, "0") + worst(L.replyContextKeyChars - 2),
        worst(L.replyContextValueChars),
      ]),
    ),
  });
}
