import { describe, expect, it } from "vitest";
import { isChineseId, passesLuhn, redact, redactPersonalData } from "../../../shared/core/redact";

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
