import { describe, expect, it } from "vitest";
import { detectLanguage, normalize } from "../../../shared/core/text";
import { stem, tokenize } from "../../../shared/kb/tokenize";

describe("normalize", () => {
  it("folds full-width letters, digits and punctuation to half-width (NFKC) and lower-cases", () => {
    expect(normalize("ＡＢＣ１２３，Ｈｅｌｌｏ！")).toBe("abc123,hello!");
  });
  it("collapses whitespace", () => {
    expect(normalize("  a \t\n b  ")).toBe("a b");
  });
});

describe("tokenize Chinese", () => {
  it("segments words with the ICU dictionary and adds character unigrams and bigrams", () => {
    const tokens = tokenize("银行卡什么时候到");
    expect(tokens).toContain("银行");
    expect(tokens).toContain("什么时候");
    expect(tokens).toContain("b:银行");
    expect(tokens).toContain("b:卡什");
    expect(tokens).toContain("u:卡");
  });
  it("drops Chinese stop words as words and as characters", () => {
    const tokens = tokenize("我的卡呢");
    expect(tokens).not.toContain("我的");
    expect(tokens).not.toContain("u:呢");
    expect(tokens).toContain("u:卡");
  });
  it("can leave out the character n-grams", () => {
    expect(
      tokenize("银行卡", { charNgrams: false }).some((t) => t.startsWith("b:") || t.startsWith("u:")),
    ).toBe(false);
  });
  it("handles mixed Chinese and English with full-width characters", () => {
    const tokens = tokenize("我要用ＡＰＰＬＥ　ＰＡＹ充值");
    expect(tokens).toContain("pay");
    expect(tokens).toContain("appl");
    expect(tokens).toContain("b:充值");
  });
});

describe("tokenize English", () => {
  it("lower-cases, strips punctuation and stop words, keeps negations", () => {
    expect(tokenize("Why hasn't my card ARRIVED yet?")).toEqual(["why", "not", "card", "arriv", "yet"]);
  });
  it("reads negations typed without the apostrophe as negations", () => {
    expect(tokenize("parcel hasnt shown up")).toEqual(tokenize("parcel hasn't shown up"));
    expect(tokenize("i cant sign in")).toContain("not");
    expect(tokenize("it didnt work")).toEqual(["not", "work"]);
  });
  it("drops chat shorthand for words it would drop anyway and reads common misspellings right", () => {
    expect(tokenize("can u check ur app rn")).toEqual(["can", "check", "app"]);
    expect(tokenize("never recieved my parcel", { charTrigrams: true })).toEqual(
      tokenize("never received my parcel", { charTrigrams: true }),
    );
  });
  it("adds character trigrams only when asked", () => {
    expect(tokenize("refund")).toEqual(["refund"]);
    expect(tokenize("refund", { charTrigrams: true })).toContain("t:^re");
  });
  it("returns nothing for punctuation only", () => {
    expect(tokenize("?!…，。")).toEqual([]);
  });
});

describe("stem", () => {
  it.each([
    ["charged", "charg"],
    ["charges", "charg"],
    ["charging", "charg"],
    ["charge", "charg"],
    ["cards", "card"],
    ["transferred", "transfer"],
    ["transfers", "transfer"],
    ["payments", "pay"],
    ["topped", "top"],
    ["activation", "activat"],
    ["activated", "activat"],
    ["quickly", "quick"],
  ])("%s → %s", (word, expected) => {
    expect(stem(word)).toBe(expected);
  });
  it("leaves short words and words ending in -ss/-us alone", () => {
    expect(stem("pin")).toBe("pin");
    expect(stem("bus")).toBe("bus");
    expect(stem("address")).toBe("address");
    expect(stem("status")).toBe("status");
  });
});

describe("detectLanguage", () => {
  it.each([
    ["银行卡什么时候到", "zh"],
    ["我要apple pay充值", "zh"],
    ["When will my card arrive?", "en"],
    ["Can I pay at 全家 with my card?", "en"],
    // Brands, models and links in a Chinese sentence: answered in English before.
    ["我买的 Nike Air Jordan 1 Retro High OG 可以退吗", "zh"],
    ["iPhone 15 Pro Max Apple Watch 怎么退货", "zh"],
    ["https://shop.example.com/order/detail?id=123456&from=app 这个怎么退货", "zh"],
    ["My order to 北京 has not arrived", "en"],
    ["How do I return 这个", "en"],
    ["see https://shop.example.com/order/123", "en"],
  ] as const)("%s → %s", (text, lang) => {
    expect(detectLanguage(text)).toBe(lang);
  });
  it("falls back when there are no letters", () => {
    expect(detectLanguage("12345", "en")).toBe("en");
    expect(detectLanguage("12345")).toBe("zh");
  });
});
