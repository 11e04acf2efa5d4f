import { describe, expect, it } from "vitest";
import { channelTexts } from "../../../shared/channels/registry";
import { countSegments } from "../../../shared/channels/sms-common/encoding";
import { csatQuestion, parseRating } from "../../../shared/core/desk/csat";
import { DEFAULT_TEXTS } from "../../../shared/core/texts";

describe("reading a satisfaction rating out of a customer's message", () => {
  it.each([
    ["5", { score: 5 }],
    ["５", { score: 5 }],
    [" 3 ", { score: 3 }],
    ["4/5", { score: 4 }],
    ["4 out of 5", { score: 4 }],
    ["5分", { score: 5 }],
    ["4 分", { score: 4 }],
    ["五星", { score: 5 }],
    ["三分", { score: 3 }],
    ["5 stars", { score: 5 }],
    ["★★★★", { score: 4 }],
    ["⭐⭐⭐⭐⭐", { score: 5 }],
    ["非常满意", { score: 5 }],
    ["满意", { score: 4 }],
    ["不满意", { score: 2 }],
    ["非常不满意", { score: 1 }],
    ["一般", { score: 3 }],
    ["Very satisfied", { score: 5 }],
    ["dissatisfied.", { score: 2 }],
    ["4 物流有点慢", { score: 4, comment: "物流有点慢" }],
    ["2，客服回复太慢了", { score: 2, comment: "客服回复太慢了" }],
    ["5 - very helpful, thanks", { score: 5, comment: "very helpful, thanks" }],
    ["满意，谢谢", { score: 4, comment: "谢谢" }],
  ])("%s is a rating", (text, expected) => {
    expect(parseRating(text)).toEqual(expected);
  });

  it.each([
    "0",
    "6",
    "12",
    "5.5",
    "50",
    "5号订单还没到",
    "5分钟前下的单怎么还没发货",
    "一般多久发货？",
    "good morning",
    "满意吗",
    "我的订单号是 12345678",
    "怎么申请退货？",
    "",
    `5 ${"很好".repeat(200)}`,
  ])("%s is not a rating", (text) => {
    expect(parseRating(text)).toBeUndefined();
  });

  it("asks in the customer's language, shortest on SMS", () => {
    expect(csatQuestion("zh", "wechat", "KF-1", channelTexts())).toContain("1–5");
    expect(csatQuestion("en", "email", "KF-1", channelTexts())).toContain("1 to 5");
    expect(csatQuestion("en", "sms", "KF-1", channelTexts()).length).toBeLessThanOrEqual(160);
  });

  it("puts SMS's question in one segment with a real ticket number, in either language", () => {
    for (const channel of ["sms", "twilio"] as const) {
      for (const language of ["zh", "en"] as const) {
        const question = csatQuestion(language, channel, "KF-ABC12345", channelTexts());
        expect(question).toContain("KF-ABC12345");
        expect(countSegments(question).segments, question).toBe(1);
      }
    }
  });

  it("words no channel itself: without the channel modules' texts, SMS gets the core's question", () => {
    const onSms = csatQuestion("en", "sms", "KF-1");
    expect(onSms).toBe(csatQuestion("en", "wechat", "KF-1"));
    expect(onSms).toBe(DEFAULT_TEXTS.en.csatQuestion.replace("{ticket}", "KF-1"));
    expect(countSegments(onSms).segments).toBeGreaterThan(1);
  });
});
