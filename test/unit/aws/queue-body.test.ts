import { describe, expect, it } from "vitest";
import { toQueueBody } from "../../../shared/aws/queue";

/** What SQS's SendMessage documents as allowed, checked by code point (the emulator checks code units). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: tab, LF and CR are part of the documented set.
const SQS_ALLOWED = /^[\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
/** fauxqs 1.9.2's check, verbatim (node_modules/fauxqs/dist/sqs/sqsTypes.js). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: copied from the emulator on purpose.
const FAUXQS_REFUSES = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]/;

describe("the queue body", () => {
  const message = {
    id: "1",
    text: "怎么退货？😀 𠮷野家 👍🏽 family 👨‍👩‍👧 flag 🇨🇳 math 𝔸 and plain ascii",
    replyContext: { subject: "Re: 退货 📦" },
  };

  it("parses back to exactly the same value", () => {
    expect(JSON.parse(toQueueBody(message))).toEqual(message);
  });

  it("holds no character above U+FFFF, so the emulator accepts it, and stays valid for SQS", () => {
    const body = toQueueBody(message);
    expect(FAUXQS_REFUSES.test(body)).toBe(false);
    expect(SQS_ALLOWED.test(body)).toBe(true);
    expect(body).toContain("\\ud83d\\ude00");
    // Characters SQS and the emulator both accept stay as they are (no 6-byte escapes for Chinese).
    expect(body).toContain("怎么退货？");
  });

  it("is plain JSON when there is nothing to escape", () => {
    const plain = { text: '你好 hello\n\t"quoted"' };
    expect(toQueueBody(plain)).toBe(JSON.stringify(plain));
  });

  it("keeps a lone surrogate as JSON.stringify escapes it, rather than pairing it with a neighbour", () => {
    const broken = { text: "a\uD83Db\uDE00c" };
    expect(JSON.parse(toQueueBody(broken))).toEqual(broken);
    expect(FAUXQS_REFUSES.test(toQueueBody(broken))).toBe(false);
  });
});
