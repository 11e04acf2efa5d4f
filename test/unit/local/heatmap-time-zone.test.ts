import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { duckdbReport } from "../../../local/analytics/duckdb";
import { ANALYTICS_EVENT_VERSION, type AnalyticsEvent } from "../../../shared/core/analytics/events";
import {
  checkTimeZone,
  DETAIL_QUERIES,
  InvalidTimeZoneError,
  zoneOffsetMinutes,
} from "../../../shared/core/analytics/queries";
import { FAQ_BUCKET } from "../../../shared/resources";
import { tempDir } from "../../support/temp-dirs";

/**
 * The heat map's hours and weekdays in the report's time zone, by the shared SQL on DuckDB (the local
 * engine; Athena runs the same text): the days of the range stay UTC days (the partitions, the counters).
 */
const opened = (at: string): AnalyticsEvent => ({
  v: ANALYTICS_EVENT_VERSION,
  type: "received",
  at,
  channel: "wechat",
  conversation: `c-${at}`,
  opens: true,
});

let dir = "";
beforeAll(async () => {
  dir = tempDir("kefu-heatmap-");
  const events = [
    // Tuesday 23:30 UTC: Wednesday 07:30 in Shanghai.
    opened("2026-12-01T23:30:00.000Z"),
    // Either side of New York's return to standard time (2026-11-01 06:00 UTC): EDT, then EST.
    opened("2026-10-31T23:30:00.000Z"),
    opened("2026-11-02T23:30:00.000Z"),
  ];
  for (const event of events) {
    const folder = join(dir, FAQ_BUCKET.eventsPrefix, `dt=${event.at.slice(0, 10)}`);
    await mkdir(folder, { recursive: true });
    await writeFile(
      join(folder, `${event.conversation.replaceAll(":", "")}.jsonl`),
      `${JSON.stringify(event)}\n`,
    );
  }
});

describe("the heat map's time zone", () => {
  it("puts an event at 23:30 UTC on the next day's 07h in Asia/Shanghai, and at 23h in UTC", async () => {
    const range = { since: "2026-12-01", until: "2026-12-01" };
    const shanghai = await duckdbReport(dir, { ...range, timeZone: "Asia/Shanghai" });
    expect(shanghai.timeZone).toBe("Asia/Shanghai");
    expect(shanghai.details?.heatmap).toEqual([{ weekday: 2, hour: 7, conversations: 1 }]);
    const utc = await duckdbReport(dir, { ...range, timeZone: "UTC" });
    expect(utc.details?.heatmap).toEqual([{ weekday: 1, hour: 23, conversations: 1 }]);
  }, 60_000);

  it("follows daylight saving within the range", async () => {
    const report = await duckdbReport(dir, {
      since: "2026-10-31",
      until: "2026-11-02",
      timeZone: "America/New_York",
    });
    // Saturday 19:30 EDT (UTC−4) and Monday 18:30 EST (UTC−5).
    expect(report.details?.heatmap).toEqual([
      { weekday: 0, hour: 18, conversations: 1 },
      { weekday: 5, hour: 19, conversations: 1 },
    ]);
  }, 60_000);

  it("knows the offsets, and refuses a zone that is not one before it reaches the SQL", () => {
    expect(zoneOffsetMinutes("Asia/Shanghai", Date.parse("2026-12-01T23:30:00Z"))).toBe(480);
    expect(zoneOffsetMinutes("America/New_York", Date.parse("2026-11-02T23:30:00Z"))).toBe(-300);
    expect(checkTimeZone("Europe/Berlin")).toBe("Europe/Berlin");
    for (const zone of ["Mars/Olympus", "Asia/Shanghai'; DROP TABLE events; --"]) {
      expect(() => checkTimeZone(zone)).toThrow(InvalidTimeZoneError);
      expect(() =>
        DETAIL_QUERIES.heatmap({ since: "2026-12-01", until: "2026-12-01", timeZone: zone }),
      ).toThrow(InvalidTimeZoneError);
    }
  });
});
