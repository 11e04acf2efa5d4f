import { describe, expect, it } from "vitest";
import { splitByBytes, splitByLength, stripMarkdown } from "../../../shared/core/render";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const noSpace = (s: string) => s.replace(/\s/g, "");

/** The invariants every split must keep, whatever the text. */
function expectValidSplit(text: string, parts: string[], max: number, size: (s: string) => number) {
  for (const part of parts) {
    expect(size(part)).toBeLessThanOrEqual(max);
    expect(part.trim()).not.toBe("");
    // A lone surrogate means a code point was cut in two.
    expect(part).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    // Round-trips through UTF-8 unchanged: no broken characters.
    expect(Buffer.from(part, "utf8").toString("utf8")).toBe(part);
  }
  expect(noSpace(parts.join(""))).toBe(noSpace(text));
  // Parts appear in order in the original, separated only by whitespace.
  let at = 0;
  for (const part of parts) {
    const found = text.indexOf(part, at);
    expect(found).toBeGreaterThanOrEqual(at);
    expect(text.slice(at, found).trim()).toBe("");
    at = found + part.length;
  }
}

describe("stripMarkdown", () => {
  it("removes headings, emphasis, strikethrough and inline code markers", () => {
    const md = "# 退货政策\n\n**七天**无理由退货，*请*保留 __包装__ 和 `订单号`。~~旧规则~~\n## Notes ##";
    expect(stripMarkdown(md)).toBe("退货政策\n\n七天无理由退货，请保留 包装 和 订单号。旧规则\nNotes");
  });

  it("renders links as label and address, and bare addresses once", () => {
    expect(stripMarkdown("见[帮助中心](https://help.example.com/a_b)和[https://x.cn](https://x.cn)")).toBe(
      "见帮助中心 (https://help.example.com/a_b)和https://x.cn",
    );
    expect(stripMarkdown("![logo](https://x.cn/l.png)")).toBe("logo (https://x.cn/l.png)");
  });

  it("keeps list items as lines with a bullet and leaves numbered lists as they are", () => {
    expect(stripMarkdown("步骤：\n- 打开 App\n* 点击 **我的**\n+ [x] 完成\n1. first\n2. second")).toBe(
      "步骤：\n• 打开 App\n• 点击 我的\n• 完成\n1. first\n2. second",
    );
  });

  it("removes code fences but keeps the code, untouched", () => {
    expect(stripMarkdown("Run:\n```bash\nnpm run **build** -- --x_y_z\n```\nDone")).toBe(
      "Run:\nnpm run **build** -- --x_y_z\nDone",
    );
  });

  it("does not eat underscores inside words or lone asterisks", () => {
    expect(stripMarkdown("snake_case_name costs 2 * 3 = 6")).toBe("snake_case_name costs 2 * 3 = 6");
  });

  it("drops quotes, rules and extra blank lines", () => {
    expect(stripMarkdown("> 引用\n\n---\n\n\n\n结尾")).toBe("引用\n\n结尾");
  });
});

describe("splitByBytes", () => {
  it("returns the text whole when it fits, and nothing for blank text", () => {
    expect(splitByBytes("你好", 6)).toEqual(["你好"]);
    expect(splitByBytes("  \n ", 10)).toEqual([]);
    expect(splitByBytes("", 10)).toEqual([]);
  });

  it("prefers a paragraph break, then a line break, then a sentence end", () => {
    const text = `${"甲".repeat(20)}\n\n${"乙".repeat(10)}\n${"丙".repeat(5)}。${"丁".repeat(10)}`;
    // 60 + 2 + 30 + 1 + 15 + 3 + 30 bytes: a 100-byte window ends inside 丙丙丙, past both breaks.
    const parts = splitByBytes(text, 100);
    expect(parts[0]).toBe("甲".repeat(20));
    expectValidSplit(text, parts, 100, bytes);

    const lines = text.replace("\n\n", "，");
    const l = splitByBytes(lines, 100);
    expect(l[0]).toBe(`${"甲".repeat(20)}，${"乙".repeat(10)}`);
    expectValidSplit(lines, l, 100, bytes);

    const sentences = `${"一".repeat(12)}。${"二".repeat(12)}！${"三".repeat(12)}`;
    const s = splitByBytes(sentences, 90);
    expect(s[0]).toBe(`${"一".repeat(12)}。${"二".repeat(12)}！`);
    expectValidSplit(sentences, s, 90, bytes);
  });

  it("does not cut an English sentence inside a number or a web address", () => {
    const text = "Version 3.14 is at example.com today. Please update now";
    const parts = splitByBytes(text, 45);
    expect(parts[0]).toBe("Version 3.14 is at example.com today.");
    expectValidSplit(text, parts, 45, bytes);
  });

  it("falls back to a comma or space, then to a hard cut", () => {
    const words = "alpha beta gamma delta epsilon zeta eta theta";
    const w = splitByBytes(words, 20);
    expect(w.every((p) => !p.startsWith(" ") && !p.endsWith(" "))).toBe(true);
    expect(w[0]).toBe("alpha beta gamma");
    expectValidSplit(words, w, 20, bytes);

    const solid = "中".repeat(10);
    expect(splitByBytes(solid, 10)).toEqual(["中中中", "中中中", "中中中", "中"]);
  });

  it("never breaks an emoji, a surrogate pair or a flag", () => {
    const text = "😀🇨🇳👨‍👩‍👧好的😀😀🇨🇳abc";
    for (const max of [4, 5, 7, 8, 9, 13, 30]) {
      const parts = splitByBytes(text, max);
      expectValidSplit(text, parts, max, bytes);
    }
    // The flag (two regional indicators, 8 bytes) stays together when it can.
    expect(splitByBytes("🇨🇳🇨🇳", 10)).toEqual(["🇨🇳", "🇨🇳"]);
  });

  it("keeps its invariants on long mixed Chinese, English and emoji text at WeChat's 2048-byte limit", () => {
    const paragraph =
      "您好！关于退款：订单签收后七天内可申请，审核通过后 1-3 个工作日原路退回。😀 " +
      "If you paid by card, the refund may take up to 5 business days, depending on your bank. ";
    const text = Array.from({ length: 60 }, (_, i) => `${i}. ${paragraph}${i % 7 === 0 ? "\n\n" : ""}`).join(
      "",
    );
    const parts = splitByBytes(text, 2048);
    expect(parts.length).toBeGreaterThan(5);
    expectValidSplit(text, parts, 2048, bytes);
    // Preferred boundaries: no part ends in the middle of a word or a Chinese clause.
    for (const p of parts.slice(0, -1)) expect(p).toMatch(/[。！？.!?，、；：,;:\w😀]$/u);
  });

  it("rejects a limit too small to hold one code point", () => {
    expect(() => splitByBytes("abc", 3)).toThrow(RangeError);
  });
});

describe("splitByLength", () => {
  it("counts UTF-16 units, so an emoji counts as two and is never split", () => {
    const text = "短信😀😀测试，分段发送。Hello world";
    const parts = splitByLength(text, 7);
    expectValidSplit(text, parts, 7, (s) => s.length);
  });

  it("splits 70-character SMS segments at sentence ends", () => {
    const text = `${"您的订单已发货".repeat(8)}。${"请注意查收".repeat(10)}`;
    const parts = splitByLength(text, 70);
    expect(parts[0]).toBe(`${"您的订单已发货".repeat(8)}。`);
    expectValidSplit(text, parts, 70, (s) => s.length);
  });
});
