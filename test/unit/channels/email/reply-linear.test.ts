import { describe, expect, it } from "vitest";
import { baseSubject } from "../../../../shared/channels/email/normalise";
import { extractReplyText, stripQuotedText } from "../../../../shared/channels/email/reply";

/**
 * Reply extraction runs on whatever a sender puts in a mail (up to SES's 40 MB through the S3 action),
 * in the webhook, within the platform's deadline. Each input below made the old extractor quadratic:
 * on this project's 2-core machine under load a 100 000-space line took 17 s and 1 MB of attributions
 * between blank lines over 50 s, where a linear extractor needs well under a second for any of them.
 * The bound is deliberately generous (a slow, shared machine) and far below what quadratic time costs.
 */
const GENEROUS_MS = 5000;

const spaces = (n: number) => " ".repeat(n);
const repeatTo = (unit: string, chars: number) => unit.repeat(Math.ceil(chars / unit.length));

const ADVERSARIAL: [string, string][] = [
  ["a From: header candidate padded with 200 000 spaces", `From${spaces(200_000)}x`],
  ["200 000 leading spaces before a header name", `${spaces(200_000)}Subject x`],
  ["a header block whose fields are padded", `From: a\n${`Sent${spaces(60_000)}x\n`.repeat(6)}`],
  ["attributions padded to 300 characters", repeatTo(`On 1 Jan wrote${spaces(280)}x\n`, 400_000)],
  ["1 MB of short attributions between blank lines", repeatTo("On 1 wrote:\n\n", 1_000_000)],
  ["a thread of attributions between blank lines", repeatTo("On Mon, 1 Jan 2024, a@b.c wrote:\n\n", 400_000)],
  ["generic attributions before blank runs", repeatTo(`12:30 a@b:\n${"\n".repeat(50)}`, 400_000)],
  ["400 000 blank lines", "\n".repeat(400_000)],
  ["1 MB of quoted lines", repeatTo("> quoted history\n", 1_000_000)],
  ["a 1 MB separator-like line", `-----${"-".repeat(1_000_000)}x`],
  ["1 MB in one line of colons and spaces", repeatTo(": ", 1_000_000)],
];

describe("reply extraction time is linear in the mail's size", () => {
  it.each(ADVERSARIAL)("reads %s within a generous bound", (_label, text) => {
    const started = performance.now();
    extractReplyText(text);
    stripQuotedText(text);
    expect(performance.now() - started).toBeLessThan(GENEROUS_MS);
  });

  it("strips a subject's reply prefixes within a generous bound, whatever the padding", () => {
    const started = performance.now();
    expect(baseSubject(`Re${spaces(200_000)}x`)).toBe(`Re${spaces(200_000)}x`);
    expect(baseSubject(`Re [3]${spaces(200_000)}: x`)).toBe("x");
    expect(performance.now() - started).toBeLessThan(GENEROUS_MS);
  });

  it("still finds the reply in a long thread", () => {
    const history = repeatTo("> an older message in the thread\n", 400_000);
    expect(
      extractReplyText(`Where is my order?\n\nOn Mon, 1 Jan 2024, Kefu <s@k.example> wrote:\n${history}`),
    ).toBe("Where is my order?");
  });
});
