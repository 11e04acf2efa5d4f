import { describe, expect, it } from "vitest";
import { keywordLanguage, smsKeyword } from "../../../../shared/channels/sms-common/keywords";

const active = { optedOut: false };

describe("SMS keywords", () => {
  it("recognises opt-out words in English and Chinese, whole message, any case", () => {
    for (const word of [
      "STOP",
      "stop",
      " Stop. ",
      "STOPALL",
      "unsubscribe",
      "Cancel",
      "END",
      "quit",
      "退订",
      "td",
      "T",
      "ＳＴＯＰ",
    ]) {
      expect(smsKeyword(word, active), word).toBe("opt_out");
    }
  });

  it("does not treat a sentence containing a keyword as the keyword", () => {
    expect(smsKeyword("stop sending the wrong size", active)).toBeUndefined();
    expect(smsKeyword("我想退订单", active)).toBeUndefined();
    expect(smsKeyword("tell me more about refunds", active)).toBeUndefined();
  });

  it("re-subscribes on START/UNSTOP/订阅, and on YES only for a customer who opted out", () => {
    expect(smsKeyword("start", active)).toBe("opt_in");
    expect(smsKeyword("UNSTOP", active)).toBe("opt_in");
    expect(smsKeyword("订阅", active)).toBe("opt_in");
    expect(smsKeyword("yes", active)).toBeUndefined();
    expect(smsKeyword("yes", { optedOut: true })).toBe("opt_in");
  });

  it("recognises HELP and MORE", () => {
    expect(smsKeyword("help", active)).toBe("help");
    expect(smsKeyword("帮助", active)).toBe("help");
    expect(smsKeyword("More", active)).toBe("more");
    expect(smsKeyword("更多", active)).toBe("more");
  });

  it("answers TD/T/退订 in Chinese and STOP in English", () => {
    expect(keywordLanguage("TD")).toBe("zh");
    expect(keywordLanguage("退订")).toBe("zh");
    expect(keywordLanguage("STOP")).toBe("en");
  });
});
