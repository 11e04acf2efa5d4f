import { describe, expect, it } from "vitest";
import { DETAIL_QUERIES } from "../../../shared/core/analytics-queries";
import { detailsFromRows, MODEL_PRICE_USD_PER_MILLION_TOKENS } from "../../../shared/core/analytics-report";

describe("the report's detail figures", () => {
  it("read Athena's text cells and DuckDB's numbers alike, with averages from sums and costs from the prices", () => {
    const details = detailsFromRows({
      heatmap: [{ weekday: "1", hour: "9", conversations: "4" }],
      topAnswered: [{ faq_id: "refund", answers: 3n, average_score: 0.8 }],
      humanTimes: [
        { type: "agent_reply", n: "2", total: "90", longest: "60" },
        { type: "resolved", n: 1, total: 600, longest: 600 },
      ],
      csatByChannel: [{ k: "wechat", n: "2", total: "9" }],
      csatByAgent: [{ k: "ann", n: 1, total: 5 }],
      tokensByDay: [
        { day: "2026-12-01", conversations: "2", input_tokens: "1000000", output_tokens: "0" },
        { day: "2026-12-02", conversations: 2, input_tokens: 0, output_tokens: 1_000_000 },
      ],
    });
    expect(details).toEqual({
      source: "sql",
      heatmap: [{ weekday: 1, hour: 9, conversations: 4 }],
      topAnswered: [{ faqId: "refund", answers: 3, averageScore: 0.8 }],
      firstHumanResponse: { tickets: 2, averageSeconds: 45, longestSeconds: 60 },
      resolution: { tickets: 1, averageSeconds: 600, longestSeconds: 600 },
      csatByChannel: { wechat: { count: 2, average: 4.5 } },
      csatByAgent: { ann: { count: 1, average: 5 } },
      tokensByDay: [
        {
          day: "2026-12-01",
          conversations: 2,
          input: 1_000_000,
          output: 0,
          estimatedCostUsd: MODEL_PRICE_USD_PER_MILLION_TOKENS.input,
        },
        {
          day: "2026-12-02",
          conversations: 2,
          input: 0,
          output: 1_000_000,
          estimatedCostUsd: MODEL_PRICE_USD_PER_MILLION_TOKENS.output,
        },
      ],
      estimatedCostUsd: MODEL_PRICE_USD_PER_MILLION_TOKENS.input + MODEL_PRICE_USD_PER_MILLION_TOKENS.output,
      estimatedCostPerConversationUsd:
        (MODEL_PRICE_USD_PER_MILLION_TOKENS.input + MODEL_PRICE_USD_PER_MILLION_TOKENS.output) / 4,
    });
  });

  it("has no averages without tickets or ratings", () => {
    const none = detailsFromRows({
      heatmap: [],
      topAnswered: [],
      humanTimes: [],
      csatByChannel: [],
      csatByAgent: [],
      tokensByDay: [],
    });
    expect(none.firstHumanResponse).toEqual({ tickets: 0, averageSeconds: null, longestSeconds: null });
    expect(none.estimatedCostPerConversationUsd).toBeNull();
  });

  it("keeps every detail query inside the checked range, as the headline queries do", () => {
    const range = { since: "2026-12-01", until: "2026-12-07", channel: "wechat" as const };
    for (const sql of Object.values(DETAIL_QUERIES)) {
      expect(sql(range)).toContain("dt >= '2026-12-01' AND dt <= '2026-12-07' AND channel = 'wechat'");
      expect(() => sql({ ...range, since: "2026-12-01'; DROP" })).toThrow();
    }
  });
});
