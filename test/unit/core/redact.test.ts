import { describe, expect, it } from "vitest";
import {
  findPersonalData,
  isCardNumber,
  isChineseId,
  passesLuhn,
  redact,
  redactPersonalData,
} from "../../../shared/core/redact";

// 11010519491231002X is the example number of GB 11643-1999; 4111111111111111 is a well-known test card.
describe("redactPersonalData", () => {
  it("masks a checksum-valid Chinese resident ID and keeps the last four characters", () => {
    expect(redact("我的身份证是11010519491231002X，帮我查下")).toBe(
      "我的身份证是110***********002X，帮我查下",
    );
  });

  it("leaves an 18-digit number with a wrong checksum (an order number) alone", () => {
    expect(redact("订单号 110105194912310021")).toBe("订单号 110105194912310021");
  });

  it("masks mobile numbers with or without +86 and separators", () => {
    const { text, found } = redactPersonalData("call 13812345678 or +86 139-1234-5678");
    expect(text).toBe("call 138****5678 or 139****5678");
    expect(found.phone).toBe(2);
  });

  it("masks Luhn-valid card numbers, spaced or not, but not other 16-digit runs", () => {
    expect(redact("卡号4111 1111 1111 1111")).toBe("卡号****1111");
    expect(redact("card 6222021234567890128")).toBe("card ****0128");
    expect(redact("tracking 1234567812345678")).toBe("tracking 1234567812345678");
  });

  it("masks e-mail addresses", () => {
    expect(redact("write to zhang.san@example.com")).toBe("write to z***@example.com");
  });

  it("counts what it masked and changes nothing else", () => {
    const input = "退货 order 20261121 please";
    expect(redactPersonalData(input)).toEqual({ text: input, found: { id: 0, card: 0, phone: 0, email: 0 } });
  });
});

describe("checksums", () => {
  it("validates ID checksums and Luhn", () => {
    expect(isChineseId("11010519491231002X")).toBe(true);
    expect(isChineseId("110105194913310021")).toBe(false);
    expect(passesLuhn("4111111111111111")).toBe(true);
    expect(passesLuhn("4111111111111112")).toBe(false);
  });
});

// Each row: what a customer may write, and what must be left of it. Card numbers are Luhn-valid unless
// said otherwise; 2336334854983421317 is a Luhn-valid 19-digit order number (one in ten random ones is).
const MASKED: [string, string, string][] = [
  ["a 19-digit card in 4-4-4-4-3", "卡号 6222 0202 0011 2233 446", "卡号 ****3446"],
  ["the same with dashes", "卡号 6222-0202-0011-2233-446", "卡号 ****3446"],
  ["a UnionPay card with no label", "6222021234000003 转账失败", "****0003 转账失败"],
  ["a Visa card", "charged on 4000123412000004", "charged on ****0004"],
  ["a Mastercard in the 2-series", "card 2221 0012 3400 0005", "card ****0005"],
  ["an Amex card (15 digits, 4-6-5)", "amex 3782 822463 00006", "amex ****0006"],
  ["a JCB card", "JCB卡3530111333000006", "JCB卡****0006"],
  ["an older domestic card, labelled", "银行卡号：9558801234000000004", "银行卡号：****0004"],
  ["an ID in 6-8-4 groups", "身份证 110105 19491231 002X", "身份证 110***********002X"],
  ["an ID with dashes", "110105-19491231-002X", "110***********002X"],
  ["an ID with a lower-case x", "id: 11010519491231002x", "id: 110***********002x"],
  ["full-width phone digits", "电话１３８１２３４５６７８", "电话138****5678"],
  ["a full-width ID", "身份证１１０１０５１９４９１２３１００２Ｘ", "身份证110***********002X"],
  ["a phone after an ideographic space", "手机\u3000138\u30001234\u30005678", "手机\u3000138****5678"],
  ["a phone glued to Latin letters", "tel13812345678", "tel138****5678"],
  ["a phone glued to a WeChat id prefix", "wx13812345678 加我", "wx138****5678 加我"],
  ["a phone followed by Latin letters", "13812345678ok", "138****5678ok"],
  ["a phone with 0086", "0086 138 1234 5678", "138****5678"],
  ["a phone beside a card, separated by a space", "13812345678 6222021234000003", "138****5678 ****0003"],
  ["a full-width e-mail address", "ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ", "l***@example.com"],
];

const KEPT: [string, string][] = [
  ["a labelled 19-digit order number that passes Luhn", "订单号2336334854983421317还没发货"],
  ["the same order number with no label (no card scheme starts with 23)", "2336334854983421317还没发货"],
  ["an order number labelled in English", "order no. 6222021234000003"],
  ["a tracking number that passes Luhn and starts like UnionPay", "快递单号：6222021234000003"],
  ["a waybill number", "运单号 4000123412000004"],
  [
    "an 18-digit order number that passes the ID checksum",
    "订单号 110105194912310021 / 订单号：11010519491231002X",
  ],
  ["a Luhn-valid 16-digit number of no card scheme", "流水 1234567812000002"],
  ["an ID-shaped number born in 1849", "110105184901011236"],
  ["an ID-shaped number born on 30 February", "110105194902301234"],
  ["a courier code glued to letters", "SF6222021234000003"],
  ["a Pinduoduo order number (date-hyphen-15 digits)", "订单 231121-378282246300006"],
  ["a 14-digit timestamp", "20261121103015"],
  ["a millisecond timestamp", "1732185600123"],
  ["a date and a time", "2026-11-21 10:30:15"],
  ["a price", "¥1,380.00"],
  ["an amount that starts like a phone", "13800元"],
  ["a phone-like order id (more digits after)", "订单号 138123456789012"],
  ["a phone-like order id (more digits before)", "2026112113812345678"],
  ["a 12-digit JD order number", "京东订单 312345678901"],
  ["an order number in full-width digits", "订单号２３３６３３４８５４９８３４２１３１７"],
];

describe("what is masked and what is kept", () => {
  it.each(MASKED)("masks %s", (_name, input, masked) => {
    expect(redact(input)).toBe(masked);
  });

  it.each(KEPT)("keeps %s", (_name, input) => {
    expect(redactPersonalData(input)).toEqual({ text: input, found: { id: 0, card: 0, phone: 0, email: 0 } });
  });

  it("points at personal data by its position in the text as written, full-width or not", () => {
    const text = "手机１３８１２３４５６７８，卡 6222 0202 0011 2233 446";
    expect(findPersonalData(text).map((h) => [h.kind, text.slice(h.start, h.end)])).toEqual([
      ["phone", "１３８１２３４５６７８"],
      ["card", "6222 0202 0011 2233 446"],
    ]);
  });
});

describe("card numbers", () => {
  it("need a known issuer prefix and length unless labelled a card, and always Luhn", () => {
    expect(isCardNumber("9558801234000000004")).toBe(false);
    expect(isCardNumber("9558801234000000004", true)).toBe(true);
    expect(isCardNumber("9558801234000000005", true)).toBe(false);
    // Visa issues 16 digits; a 19-digit run starting with 4 is far more often an order number.
    expect(isCardNumber("4000123412000000005")).toBe(false);
    expect(isCardNumber("4000123412000000005", true)).toBe(true);
  });
});
