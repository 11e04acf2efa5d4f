import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { main, parseRange } from "../../../local/cli/report";
import { AthenaQueryError, athenaReport } from "../../../shared/aws/athena";
import { DETAIL_QUERIES } from "../../../shared/core/analytics/queries";

const now = new Date("2026-12-01T15:00:00Z");

describe("npm run report: the period", () => {
  it("reads --since as a number of days with today, or a day", () => {
    expect(parseRange("7d", undefined, now)).toEqual({ since: "2026-11-25", until: "2026-12-01" });
    expect(parseRange("1d", undefined, now, "sms")).toEqual({
      since: "2026-12-01",
      until: "2026-12-01",
      channel: "sms",
    });
    expect(parseRange("2026-11-01", "2026-11-30", now)).toEqual({ since: "2026-11-01", until: "2026-11-30" });
  });

  it("refuses bad input with exit code 2 and one line of why", async () => {
    for (const argv of [
      ["--since", "0d"],
      ["--since", "yesterday"],
      ["--since", "2026-12-02", "--until", "2026-12-01"],
      ["--channel", "telegram"],
      ["--source", "athena"],
      ["--athena-workgroup", "kefu"],
      ["--unknown"],
    ]) {
      const err: string[] = [];
      expect(await main(argv, { out: () => {}, err: (l) => err.push(l) }, now)).toBe(2);
      expect(err[0]).toMatch(/^report: /);
    }
  });
});

describe("the report through Athena", () => {
  it("runs the shared SQL in the workgroup and reads the rows by column name", async () => {
    const athena = mockClient(AthenaClient);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q" });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "SUCCEEDED" } } });
    const channelRows = {
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: [
            { Name: "channel", Type: "varchar" },
            { Name: "conversations", Type: "bigint" },
            { Name: "handed_off", Type: "bigint" },
          ],
        },
        Rows: [
          {
            Data: [
              { VarCharValue: "channel" },
              { VarCharValue: "conversations" },
              { VarCharValue: "handed_off" },
            ],
          },
          { Data: [{ VarCharValue: "wechat" }, { VarCharValue: "4" }, { VarCharValue: "1" }] },
        ],
      },
    };
    const reasonRows = {
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: [
            { Name: "reason", Type: "varchar" },
            { Name: "handoffs", Type: "bigint" },
          ],
        },
        Rows: [
          { Data: [{ VarCharValue: "reason" }, { VarCharValue: "handoffs" }] },
          { Data: [{ VarCharValue: "low_confidence" }, { VarCharValue: "1" }] },
        ],
      },
    };
    // The detail queries (DETAIL_QUERIES) after these two find no rows here.
    const results = [channelRows, reasonRows];
    athena
      .on(GetQueryResultsCommand)
      .callsFake(() => results.shift() ?? { ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    const report = await athenaReport(
      new AthenaClient({}),
      { workgroup: "kefu", database: "kefu_analytics" },
      { since: "2026-12-01", until: "2026-12-01" },
    );
    expect(report).toMatchObject({
      conversations: 4,
      containment: 0.75,
      byChannel: { wechat: 4 },
      handoffsByReason: { low_confidence: 1 },
    });
    const start = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(start).toMatchObject({ WorkGroup: "kefu", QueryExecutionContext: { Database: "kefu_analytics" } });
    expect(start?.QueryString).toContain("dt >= '2026-12-01'");
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(
      2 + Object.keys(DETAIL_QUERIES).length,
    );
    expect(report.details).toMatchObject({ source: "sql", heatmap: [], firstHumanResponse: { tickets: 0 } });
  });

  it("says why a query failed", async () => {
    const athena = mockClient(AthenaClient);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q" });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: "FAILED", StateChangeReason: "TABLE_NOT_FOUND" } } });
    await expect(
      athenaReport(
        new AthenaClient({}),
        { workgroup: "w", database: "d" },
        { since: "2026-12-01", until: "2026-12-01" },
      ),
    ).rejects.toThrow(AthenaQueryError);
  });
});
