/**
 * The reports page (issue 13, "Analytics") in a real browser with the development mock API: a supervisor
 * sees the week's figures as tiles and ECharts charts in Chinese, narrows to a channel and a range, and
 * exports the figures as CSV; an agent has no such page. The page and ECharts load only when opened.
 */
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeskSession, openDesk, screenshot, signIn } from "../../desk/dev/browser";
import { seedReport } from "../../desk/dev/seed-analytics";

let desk: DeskSession;
const NOW = Date.parse("2026-12-01T10:00:00Z");

beforeAll(async () => {
  desk = await openDesk({ now: () => NOW });
});

afterAll(async () => {
  await desk?.close();
});

describe("reports", () => {
  it("shows a supervisor the week's figures and charts, by channel and range, and exports them", async () => {
    const page = await desk.newPage();
    const scripts: string[] = [];
    page.on("request", (request) => {
      if (request.resourceType() === "script") scripts.push(request.url());
    });
    await page.clock.setFixedTime(NOW);
    await signIn(page, desk.server.url, "supervisor", desk.mock.password);
    expect(scripts.some((url) => url.includes("ReportsPage"))).toBe(false);

    await page.getByRole("link", { name: "数据报表" }).click();
    const week = seedReport(desk.mock.counters, { since: "2026-11-25", until: "2026-12-01" });
    const tile = (key: string) => page.getByTestId(`kpi-${key}`).getByTestId("kpi-value");
    await expect
      .poll(() => tile("conversations").textContent())
      .toBe(week.conversations.toLocaleString("zh-CN"));
    expect(scripts.some((url) => url.includes("ReportsPage"))).toBe(true);
    expect(await tile("containment").textContent()).toBe(`${((week.containment ?? 0) * 100).toFixed(1)}%`);
    expect(await tile("handoffs").textContent()).toBe(week.handoffs.toLocaleString("zh-CN"));
    expect(await tile("csat").textContent()).toBe(`${week.csat.average?.toFixed(2)} / 5`);
    // The charts are drawn (SVG), with the channels' and reasons' Chinese names and their counts.
    await expect
      .poll(() => page.getByTestId("chart-channels").locator("svg text").allTextContents())
      .toContain(`微信公众号  ${week.byChannel.wechat}`);
    expect(await page.getByTestId("chart-reasons").locator("svg text").allTextContents()).toContain(
      "客户要求转人工",
    );
    // The top unanswered topics (the mock's seed suggestions of the week), masked, under their Chinese title.
    expect(await page.getByTestId("top-unanswered").textContent()).toContain("未解决问题 Top 10");
    // Picks are questions the bot answered (after offering options): not among the unanswered.
    const unanswered = desk.mock.suggestions.filter((s) => !s.picked);
    expect(unanswered.length).toBeLessThan(desk.mock.suggestions.length);
    const topics = page.getByTestId("top-unanswered-row");
    expect(await topics.count()).toBe(unanswered.length);
    expect(await topics.first().textContent()).toContain(unanswered[0]?.representative);
    expect(await clippedChartText(page)).toEqual([]);
    await screenshot(page, "reports");

    // One channel, two days.
    await page.getByTestId("report-channel").click();
    await page.getByRole("option", { name: "短信", exact: true }).click();
    await page.getByTestId("report-since").fill("2026-11-30");
    const sms = seedReport(desk.mock.counters, { since: "2026-11-30", until: "2026-12-01", channel: "sms" });
    expect(sms.conversations).toBeGreaterThan(0);
    expect(sms.conversations).toBeLessThan(week.conversations);
    await expect
      .poll(() => tile("conversations").textContent())
      .toBe(sms.conversations.toLocaleString("zh-CN"));
    expect(await tile("handoffs").textContent()).toBe(String(sms.handoffs));

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("report-csv").click(),
    ]);
    expect(download.suggestedFilename()).toBe("kefu-report-2026-11-30-2026-12-01-sms.csv");
    const csv = await readFile(await download.path(), "utf8");
    expect(csv.startsWith("\uFEFF")).toBe(true);
    const rows = csv.slice(1).trim().split("\r\n");
    expect(rows).toContain(`total,conversations,会话数,${sms.conversations}`);
    expect(rows).toContain(`total,handoffs,转人工,${sms.handoffs}`);
    expect(rows).toContain(`byChannel,sms,短信,${sms.conversations}`);
    for (const [reason, n] of Object.entries(sms.handoffsByReason)) {
      expect(rows.some((row) => row.startsWith(`handoffsByReason,${reason},`) && row.endsWith(`,${n}`))).toBe(
        true,
      );
    }

    // More than the counters serve: the page says so, does not ask, and keeps the last figures.
    const asked = desk.mock.reportQueries.length;
    await page.getByTestId("report-since").fill("2026-08-01");
    await page.getByRole("alert").getByText("每次最多查询 92 天").waitFor();
    expect(desk.mock.reportQueries.length).toBe(asked);
    expect(await tile("conversations").textContent()).toBe(sms.conversations.toLocaleString("zh-CN"));
    expect(desk.mock.reportQueries.at(-1)).toBe("since=2026-11-30&until=2026-12-01&channel=sms");
  });

  it("draws every chart label in English inside its card: long reasons wrap, long channel names fit", async () => {
    const page = await desk.newPage({ locale: "en-US" });
    await page.clock.setFixedTime(NOW);
    await signIn(page, desk.server.url, "supervisor", desk.mock.password);
    await page.getByRole("link", { name: "Reports" }).click();
    const week = seedReport(desk.mock.counters, { since: "2026-11-25", until: "2026-12-01" });
    expect(week.byChannel["wecom-kf"]).toBeGreaterThan(0);
    expect(week.handoffsByReason.customer_request).toBeGreaterThan(0);
    // Before: "ustomer asked for a person" cut at the card's left edge, "WeChat Customer Servic" at its right.
    expect(await clippedChartText(page)).toEqual([]);
    const legend = (await page.getByTestId("chart-channels").locator("svg text").allTextContents()).join(" ");
    // The count stays legible even where a long name wraps.
    expect(legend).toMatch(new RegExp(`Service\\s+${week.byChannel["wecom-kf"]}`));
    const reasons = (await page.getByTestId("chart-reasons").locator("svg text").allTextContents()).join(" ");
    expect(reasons.replace(/\s+/g, " ")).toContain("Customer asked for a person");
    // Every outcome is named under its bar, none hidden as overlapping its neighbour.
    const outcomes = await page.getByTestId("chart-outcomes").locator("svg text").allTextContents();
    expect(outcomes).toEqual(expect.arrayContaining(["Answered", "Clarified", "Small talk", "Handed off"]));
    await screenshot(page, "reports-en");
  });

  it("is not offered to an agent", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    expect(await page.getByRole("link", { name: "数据报表" }).count()).toBe(0);
  });
});

/**
 * The texts of the report's charts, once drawn, that reach outside their chart's box (and so are cut off
 * on screen), with how far: none when every label and legend entry can be read whole.
 */
async function clippedChartText(page: Page): Promise<string[]> {
  const charts = page.locator("[data-chart-state]");
  await expect.poll(() => charts.count()).toBeGreaterThan(0);
  await expect.poll(() => page.locator('[data-chart-state="drawing"]').count()).toBe(0);
  return charts.evaluateAll((boxes) =>
    boxes.flatMap((box) => {
      const outer = box.getBoundingClientRect();
      return [...box.querySelectorAll("svg text")].flatMap((text) => {
        const r = text.getBoundingClientRect();
        const over = Math.max(
          outer.left - r.left,
          r.right - outer.right,
          outer.top - r.top,
          r.bottom - outer.bottom,
        );
        return r.width > 0 && over > 0.5 ? [`${text.textContent}: ${over.toFixed(0)}px out`] : [];
      });
    }),
  );
}
