import { describe, expect, it } from "vitest";
import { loadReportSettings } from "../../../shared/config/reports";
import { DETAIL_QUERIES } from "../../../shared/core/analytics/queries";
import { DEFAULT_MODEL_PRICES, detailsFromRows, modelPriceFor } from "../../../shared/core/analytics/report";

const PRICE = { input: 0.8, output: 4 };

describe("the report's detail figures", () => {
  it("read Athena's text cells and DuckDB's numbers alike, with averages from sums and costs from the prices", () => {
    const details = detailsFromRows(
      {
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
      },
      PRICE,
    );
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
          estimatedCostUsd: PRICE.input,
        },
        {
          day: "2026-12-02",
          conversations: 2,
          input: 0,
          output: 1_000_000,
          estimatedCostUsd: PRICE.output,
        },
      ],
      estimatedCostUsd: PRICE.input + PRICE.output,
      estimatedCostPerConversationUsd: (PRICE.input + PRICE.output) / 4,
    });
  });

  it("prices the answer model the stack deploys, the operators' prices over the defaults, and none it does not know", () => {
    // cdk.json deploys Claude 3.5 Haiku: the estimate used Claude 3 Haiku's price (0.25 / 1.25), a third of it.
    const deployed = "anthropic.claude-3-5-haiku-20241022-v1:0";
    expect(loadReportSettings({ KEFU_ANSWER_MODEL_ID: deployed }).modelPrice).toEqual({
      input: 0.8,
      output: 4,
    });
    expect(modelPriceFor(`us.${deployed}`)).toEqual(DEFAULT_MODEL_PRICES[deployed]);
    expect(modelPriceFor("anthropic.claude-3-haiku-20240307-v1:0")).toEqual({ input: 0.25, output: 1.25 });
    const own = { KEFU_ANSWER_MODEL_ID: "amazon.nova-lite-v1:0" };
    expect(loadReportSettings(own).modelPrice).toBeUndefined();
    expect(
      loadReportSettings({
        ...own,
        KEFU_MODEL_PRICES: '{"amazon.nova-lite-v1:0":{"input":0.06,"output":0.24}}',
      }).modelPrice,
    ).toEqual({ input: 0.06, output: 0.24 });
    expect(() => loadReportSettings({ ...own, KEFU_MODEL_PRICES: "{bad" })).toThrow(/KEFU_MODEL_PRICES/);
    expect(() => loadReportSettings({ ...own, KEFU_MODEL_PRICES: '{"m":{"input":-1,"output":1}}' })).toThrow(
      /KEFU_MODEL_PRICES/,
    );
    const unpriced = detailsFromRows(
      {
        heatmap: [],
        topAnswered: [],
        humanTimes: [],
        csatByChannel: [],
        csatByAgent: [],
        tokensByDay: [{ day: "2026-12-01", conversations: 1, input_tokens: 10, output_tokens: 10 }],
      },
      undefined,
    );
    expect(unpriced.estimatedCostUsd).toBeNull();
    expect(unpriced.tokensByDay[0]?.estimatedCostUsd).toBeNull();
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
