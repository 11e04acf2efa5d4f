import { describe, expect, it } from "vitest";
import { channelTexts } from "../../../shared/channels/registry";
import { textOverridesFromEnv } from "../../../shared/config/texts";
import { textsFor } from "../../../shared/core/texts";

describe("reply texts per channel and language", () => {
  it("uses a short disclosure on SMS, where every 70 characters cost a segment", () => {
    expect(textsFor("zh", "sms", channelTexts()).disclosure.length).toBeLessThan(20);
    expect(textsFor("zh", "wechat", channelTexts()).disclosure.length).toBeGreaterThan(20);
  });

  it("lets operators override any text per channel and language, channel over default", () => {
    const overrides = textOverridesFromEnv(
      JSON.stringify({
        default: { zh: { disclosure: "默认声明" } },
        email: { zh: { disclosure: "邮件声明" } },
      }),
    );
    expect(textsFor("zh", "wechat", overrides).disclosure).toBe("默认声明");
    expect(textsFor("zh", "email", overrides).disclosure).toBe("邮件声明");
    expect(textsFor("en", "email", overrides).disclosure).toContain("AI");
  });

  it("lets operators word the thanks for a CSAT rating", () => {
    const overrides = textOverridesFromEnv(JSON.stringify({ default: { en: { csatThanks: "Thanks!" } } }));
    expect(textsFor("en", "wechat", overrides).csatThanks).toBe("Thanks!");
    expect(textsFor("zh", "wechat", overrides).csatThanks).toContain("感谢");
  });

  it("refuses malformed overrides at cold start with the path of the problem", () => {
    expect(() => textOverridesFromEnv("{not json")).toThrow("not valid JSON");
    expect(() => textOverridesFromEnv(JSON.stringify({ fax: { zh: { disclosure: "x" } } }))).toThrow(
      "KEFU_TEXT_OVERRIDES",
    );
    expect(() => textOverridesFromEnv(JSON.stringify({ sms: { zh: { greeting: "x" } } }))).toThrow(
      "KEFU_TEXT_OVERRIDES",
    );
    expect(textOverridesFromEnv(undefined)).toEqual({});
  });
});
