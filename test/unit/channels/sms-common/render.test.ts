import { describe, expect, it } from "vitest";
import { countSegments } from "../../../../shared/channels/sms-common/encoding";
import { fitSegments, toSmsText } from "../../../../shared/channels/sms-common/render";
import { continuationText } from "../../../../shared/channels/sms-common/texts";

const fitText = (text: string, maxSegments = 3, moreUrl?: string) =>
  fitSegments(text, { maxSegments, continuation: (language) => continuationText(language, moreUrl) });

describe("toSmsText", () => {
  it("drops markdown, blank lines and runs of spaces, keeping one line per item", () => {
    const text = toSmsText("## Returns\n\n**Within 7 days**, open  *Orders*.\n\n- Step one\n- Step two\n");
    expect(text).toBe("Returns\nWithin 7 days, open Orders.\n- Step one\n- Step two");
  });

  it("replaces typographic look-alikes so an English reply stays GSM-7", () => {
    const text = toSmsText("It’s “free” — really… • yes");
    expect(text).toBe(`It's "free" - really... - yes`);
    expect(countSegments(text).encoding).toBe("GSM-7");
  });

  it("keeps Chinese punctuation in a Chinese reply (UCS-2 anyway)", () => {
    expect(toSmsText("请在“我的订单”中申请……")).toBe("请在“我的订单”中申请……");
  });

  it("shows a link's target and bare mailto/tel addresses", () => {
    expect(toSmsText("See [the policy](https://ex.com/r) or [mail us](mailto:help@ex.com)")).toBe(
      "See the policy (https://ex.com/r) or mail us (help@ex.com)",
    );
  });
});

describe("fitSegments", () => {
  it("leaves a text that fits alone", () => {
    expect(fitText("Short answer.")).toEqual({ text: "Short answer.", rest: "" });
    const chinese = "中".repeat(201);
    expect(fitText(chinese)).toEqual({ text: chinese, rest: "" });
  });

  it("cuts a long English reply at a sentence end and appends Reply MORE, within 3 GSM-7 segments", () => {
    const sentence = "Refunds go back to the original payment method within five working days. ";
    const text = sentence.repeat(12).trim();
    const { text: first, rest } = fitText(text);
    expect(first.endsWith("\nReply MORE for the rest")).toBe(true);
    expect(first.split("\n")[0]?.endsWith("days.")).toBe(true);
    expect(countSegments(first).segments).toBeLessThanOrEqual(3);
    expect(countSegments(first).encoding).toBe("GSM-7");
    // Nothing is lost: the part and the rest make the whole.
    expect(`${first.replace("\nReply MORE for the rest", "")} ${rest}`).toBe(text);
  });

  it("cuts a long Chinese reply within 3 × 67 UCS-2 units, with the Chinese continuation", () => {
    const sentence = "退款将在审核通过后五个工作日内原路退回您的支付账户。";
    const text = sentence.repeat(10);
    const { text: first, rest } = fitText(text);
    expect(first.endsWith("\n回复 MORE 查看更多")).toBe(true);
    const count = countSegments(first);
    expect(count).toMatchObject({ encoding: "UCS-2", segments: 3 });
    expect(count.units).toBeLessThanOrEqual(201);
    expect(first.split("\n")[0]?.endsWith("。")).toBe(true);
    expect(first.replace("\n回复 MORE 查看更多", "") + rest).toBe(text);
  });

  it("walks a long reply through MORE until everything was sent, each part within the limit", () => {
    const text = Array.from({ length: 30 }, (_, i) => `第${i + 1}条：请保留好发票和物流单号。`).join("");
    const parts: string[] = [];
    let rest = text;
    while (rest) {
      const fitted = fitText(rest, 2);
      expect(countSegments(fitted.text).segments).toBeLessThanOrEqual(2);
      parts.push(fitted.text.replace("\n回复 MORE 查看更多", ""));
      rest = fitted.rest;
    }
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.join("")).toBe(text);
  });

  it("never splits an emoji when no boundary is near", () => {
    const text = "👍".repeat(150);
    const { text: first, rest } = fitText(text, 1);
    expect(first).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(countSegments(first).segments).toBe(1);
    expect((first.split("\n")[0] ?? "") + rest).toBe(text);
  });

  it("appends a link instead of MORE when KEFU_SMS_MORE_URL is set", () => {
    const { text } = fitText("Long sentence here. ".repeat(40), 2, "https://kefu.example/faq");
    expect(text.endsWith("\nMore: https://kefu.example/faq")).toBe(true);
    expect(countSegments(text).segments).toBeLessThanOrEqual(2);
  });

  it("refuses a segment limit below one", () => {
    expect(() => fitText("x", 0)).toThrow(RangeError);
  });
});
