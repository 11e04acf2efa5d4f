import { describe, expect, it } from "vitest";
import { countSegments, isGsm7, smsEncoding } from "../../../../shared/channels/sms-common/encoding";

describe("SMS encoding", () => {
  it("uses GSM-7 for the GSM default alphabet and its extension table, UCS-2 for anything else", () => {
    expect(smsEncoding("Hello @ £5, ¿qué tal? Ñoño à ü")).toBe("GSM-7");
    // GSM-7 has è é ù ì ò à but not á í ó ú.
    expect(smsEncoding("Ñandú")).toBe("UCS-2");
    expect(smsEncoding("Price: 5€ [promo] {code} ~ ^ | \\")).toBe("GSM-7");
    expect(smsEncoding("您好")).toBe("UCS-2");
    expect(smsEncoding("Thanks 👍")).toBe("UCS-2");
    // Curly quotes and bullets are not GSM-7: one of them makes the whole message UCS-2.
    expect(isGsm7("It’s")).toBe(false);
    expect(isGsm7("• item")).toBe(false);
  });
});

describe("segment counts", () => {
  it("fits 160 GSM-7 characters in one SMS and 153 per segment beyond", () => {
    expect(countSegments("a".repeat(160))).toEqual({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(countSegments("a".repeat(161)).segments).toBe(2);
    expect(countSegments("a".repeat(306)).segments).toBe(2);
    expect(countSegments("a".repeat(307)).segments).toBe(3);
    expect(countSegments("a".repeat(459)).segments).toBe(3);
    expect(countSegments("a".repeat(460)).segments).toBe(4);
  });

  it("counts extension characters as two septets and never splits one across segments", () => {
    expect(countSegments("€".repeat(80))).toMatchObject({ units: 160, segments: 1 });
    expect(countSegments(`${"€".repeat(80)}a`).segments).toBe(2);
    // 306 septets would be two full segments, but "€" after 152 septets would straddle the boundary:
    // it moves to segment 2 and pushes the last character into a third.
    const straddling = `${"a".repeat(152)}€${"a".repeat(152)}`;
    expect(countSegments(straddling)).toMatchObject({ units: 306, segments: 3 });
    expect(countSegments(`${"a".repeat(151)}€${"a".repeat(153)}`).segments).toBe(2);
  });

  it("fits 70 Chinese characters in one SMS and 67 per segment beyond", () => {
    expect(countSegments("中".repeat(70))).toEqual({ encoding: "UCS-2", units: 70, segments: 1 });
    expect(countSegments("中".repeat(71)).segments).toBe(2);
    expect(countSegments("中".repeat(134)).segments).toBe(2);
    expect(countSegments("中".repeat(135)).segments).toBe(3);
    expect(countSegments("中".repeat(201)).segments).toBe(3);
    expect(countSegments("中".repeat(202)).segments).toBe(4);
  });

  it("counts an emoji as two UCS-2 units and keeps its surrogate pair in one segment", () => {
    expect(countSegments("😀".repeat(35))).toMatchObject({ units: 70, segments: 1 });
    expect(countSegments(`${"😀".repeat(35)}a`).segments).toBe(2);
    // 134 units would be two full segments, but the emoji after 66 units would straddle the boundary.
    const straddling = `${"中".repeat(66)}😀${"中".repeat(66)}`;
    expect(countSegments(straddling)).toMatchObject({ units: 134, segments: 3 });
    expect(countSegments(`${"中".repeat(65)}😀${"中".repeat(67)}`).segments).toBe(2);
  });

  it("switches a long English text to UCS-2 sizes when one emoji is added", () => {
    expect(countSegments("a".repeat(150)).segments).toBe(1);
    expect(countSegments(`${"a".repeat(150)}🙂`)).toMatchObject({ encoding: "UCS-2", segments: 3 });
  });
});
