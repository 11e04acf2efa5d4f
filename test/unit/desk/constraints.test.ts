/**
 * What the desk's reply box says a reply costs on the customer's channel, and when it refuses to send:
 * the same arithmetic the channels send with, so the counter and the wire agree.
 */
import { describe, expect, it } from "vitest";
import type { ChannelConstraints } from "../../../desk/src/api/types";
import { formatDuration, replyBudget } from "../../../desk/src/lib/constraints";

const SMS: ChannelConstraints = {
  kind: "sms",
  gsmSegment: 160,
  gsmConcatSegment: 153,
  ucs2Segment: 70,
  ucs2ConcatSegment: 67,
  maxSegments: 3,
  optedOut: false,
};
const NOW = Date.parse("2026-12-01T12:00:00Z");

describe("SMS", () => {
  it("counts GSM-7 in septets: 160 in one SMS, 153 per segment beyond", () => {
    expect(replyBudget("a".repeat(160), SMS, NOW)).toMatchObject({
      encoding: "GSM-7",
      units: 160,
      segments: 1,
      perSegment: 160,
    });
    expect(replyBudget("a".repeat(161), SMS, NOW)).toMatchObject({ segments: 2, perSegment: 153 });
    // Extension characters (€, braces) take two septets.
    expect(replyBudget("€".repeat(80), SMS, NOW)).toMatchObject({
      encoding: "GSM-7",
      units: 160,
      segments: 1,
    });
  });

  it("switches the whole message to UCS-2 for one Chinese character: 70 in one SMS, 67 per segment", () => {
    expect(replyBudget(`${"a".repeat(69)}好`, SMS, NOW)).toMatchObject({
      encoding: "UCS-2",
      units: 70,
      segments: 1,
      perSegment: 70,
    });
    expect(replyBudget("好".repeat(71), SMS, NOW)).toMatchObject({ units: 71, segments: 2, perSegment: 67 });
    expect(replyBudget("好".repeat(67 * 3), SMS, NOW)).toMatchObject({ segments: 3, blocked: undefined });
  });

  it("refuses a reply longer than the channel's maximum, and any reply to a customer who opted out", () => {
    expect(replyBudget("好".repeat(67 * 3 + 1), SMS, NOW)).toMatchObject({
      segments: 4,
      blocked: "too_long",
    });
    expect(replyBudget("Hi", { ...SMS, optedOut: true }, NOW)).toMatchObject({ blocked: "opted_out" });
  });
});

describe("WeChat and WeCom", () => {
  const weixin = (windowEndsAt?: string, maxParts?: number): ChannelConstraints => ({
    kind: "weixin",
    maxPartBytes: 2048,
    maxParts,
    windowEndsAt,
  });

  it("counts UTF-8 bytes and 2048-byte parts (a Chinese character is three bytes)", () => {
    expect(replyBudget("好".repeat(682), weixin(), NOW)).toMatchObject({ bytes: 2046, parts: 1 });
    expect(replyBudget("好".repeat(683), weixin(), NOW)).toMatchObject({ bytes: 2049, parts: 2 });
    expect(replyBudget("", weixin(), NOW)).toMatchObject({ bytes: 0, parts: 0 });
  });

  it("counts down the 48-hour window and blocks sending once it has closed", () => {
    const open = replyBudget("你好", weixin("2026-12-01T13:30:00Z"), NOW);
    expect(open).toMatchObject({ windowLeftMs: 90 * 60_000, blocked: undefined });
    expect(replyBudget("你好", weixin("2026-12-01T11:59:59Z"), NOW)).toMatchObject({
      blocked: "window_closed",
    });
  });

  it("blocks a reply that needs more parts than 微信客服 allows", () => {
    expect(replyBudget("好".repeat(683), weixin(undefined, 1), NOW)).toMatchObject({
      parts: 2,
      blocked: "too_long",
    });
  });
});

describe("e-mail and durations", () => {
  it("shows the subject and whether the reply stays in the customer's thread", () => {
    expect(replyBudget("Hello", { kind: "email", subject: "Re: Order 55120", threaded: true }, NOW)).toEqual({
      kind: "email",
      subject: "Re: Order 55120",
      threaded: true,
    });
  });

  it("formats clocks compactly, overdue or not", () => {
    expect(formatDuration(12 * 60_000 + 30_000)).toBe("12m 30s");
    expect(formatDuration(-(3 * 3600_000 + 5 * 60_000))).toBe("3h 05m");
    expect(formatDuration(50 * 3600_000)).toBe("2d 2h");
  });
});
