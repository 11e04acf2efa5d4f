/**
 * `npm run report -- [--since 7d|YYYY-MM-DD] [--until YYYY-MM-DD] [--channel C] [--source sql|counters]
 *  [--tz ZONE] [--json] [--athena-workgroup W --athena-database D]`
 *
 * The analytics of a period: conversations, containment, conversations per channel, hand-offs per reason,
 * answers, CSAT, model tokens. Locally (`npm start` running) from the local stack's event history with
 * DuckDB (default) or from its DynamoDB counters; with `--athena-*`, from the deployed stack's history
 * through Athena (AWS credentials and region from the usual SDK settings; the names are stack outputs).
 * Exit codes: 0 printed, 1 failed, 2 usage error.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { AthenaClient } from "@aws-sdk/client-athena";
import { athenaReport } from "../../shared/aws/athena";
import { loadReportSettings } from "../../shared/config/reports";
import {
  checkTimeZone,
  InvalidTimeZoneError,
  REPORT_TIME_ZONE,
  type ReportRange,
} from "../../shared/core/analytics/queries";
import type { AnalyticsReport, ReportDetails, ReportQuality } from "../../shared/core/analytics/report";
import { CHANNELS, type Channel } from "../../shared/core/message";
import { localReport } from "../analytics/local-report";
import { quietLibraries, shellEnv } from "../env";
import { type CliIo, consoleIo, localEnv, UsageError } from "./faq-import";

const SYNOPSIS =
  "usage: npm run report -- [--since 7d|YYYY-MM-DD] [--until YYYY-MM-DD] [--channel C] [--source sql|counters] [--tz ZONE] [--json] [--athena-workgroup W --athena-database D]";

const USAGE = `${SYNOPSIS}

Prints the analytics of a period (UTC days, both included) from the local stack (\`npm start\` running),
or from the deployed stack through Athena with --athena-workgroup and --athena-database (stack outputs).

  --since N d | DAY  first day: "7d" is the last seven days with today (default 7d)
  --until DAY        last day (default today)
  --channel C        one channel (${CHANNELS.join(", ")})
  --source S         locally: sql (DuckDB over the event history, default) or counters (DynamoDB)
  --tz ZONE          the IANA time zone of the heat map's hours and weekdays (default
                     KEFU_REPORT_TIME_ZONE, else ${REPORT_TIME_ZONE}); the days stay UTC days
  --json             one JSON object: conversations, containment, byChannel, handoffsByReason,
                     topUnanswered (locally: the ten topics handed off most for want of an answer), …
  -h, --help         print this help

Locally the report has a quality section: messages inspected (the inspections table) over messages sent
(the events), blocked, findings by rule and by agent. Through Athena it does not: the desk's
GET /desk/api/quality/report?since=…&sent=N gives it from the deployed inspections table.

Containment: the share of conversations (sessions: a customer's messages with less than 30 minutes
between them) that no person took over, (conversations − hand-offs) / conversations.`;

export function parseRange(
  since: string,
  until: string | undefined,
  now: Date,
  channel?: string,
): ReportRange {
  const today = now.toISOString().slice(0, 10);
  const relative = /^(\d{1,4})d$/.exec(since);
  let first = since;
  if (relative) {
    const days = Number(relative[1]);
    if (days < 1) throw new UsageError("--since needs at least 1d");
    first = new Date(Date.parse(`${today}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  }
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const last = until ?? today;
  for (const d of [first, last]) {
    if (!day.test(d) || Number.isNaN(Date.parse(d)))
      throw new UsageError(`not a day or a number of days: ${d}`);
  }
  if (first > last) throw new UsageError("--since is after --until");
  if (channel !== undefined && !(CHANNELS as readonly string[]).includes(channel)) {
    throw new UsageError(`unknown channel ${channel} (one of ${CHANNELS.join(", ")})`);
  }
  return { since: first, until: last, ...(channel ? { channel: channel as Channel } : {}) };
}

const percent = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)}%`);

export function formatReport(report: AnalyticsReport): string[] {
  const lines = [
    `${report.since} … ${report.until} (UTC days)${report.channel ? `  (${report.channel})` : ""}`,
    `conversations  ${report.conversations}   messages ${report.messages}`,
    `containment    ${percent(report.containment)}   (${report.handoffs} handed off)`,
    `answered ${report.answered}   clarified ${report.clarified}   small talk ${report.smallTalk}`,
    `agent replies ${report.agentReplies}   resolved ${report.resolved}   SLA breaches ${report.slaBreaches}`,
    `CSAT           ${report.csat.average === null ? "—" : report.csat.average.toFixed(2)} (${report.csat.count} ratings)`,
    `model tokens   ${report.tokens.input} in, ${report.tokens.output} out`,
    "by channel",
    ...Object.entries(report.byChannel).map(([channel, n]) => `  ${channel.padEnd(10)} ${n}`),
    "hand-offs by reason",
    ...Object.entries(report.handoffsByReason).map(([reason, n]) => `  ${reason.padEnd(20)} ${n}`),
    ...(report.details ? formatDetails(report.details, report.timeZone) : []),
    ...(report.quality ? formatQuality(report.quality) : []),
    ...(report.topUnanswered
      ? [
          "top unanswered questions (masked)",
          ...report.topUnanswered.map(
            (topic) =>
              `  ${String(topic.count).padStart(4)}  ${topic.question}  → ${topic.closestFaqId ?? "—"}`,
          ),
        ]
      : []),
  ];
  return lines;
}

const seconds = (s: number | null) => (s === null ? "—" : `${Math.round(s)} s`);

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function formatDetails(details: ReportDetails, timeZone: string): string[] {
  const busiest = [...details.heatmap].sort((a, b) => b.conversations - a.conversations).slice(0, 3);
  return [
    `busiest hours  ${busiest.map((c) => `${WEEKDAYS[c.weekday]} ${String(c.hour).padStart(2, "0")}h (${c.conversations})`).join("   ") || "—"}   [${timeZone}]`,
    `first human response  avg ${seconds(details.firstHumanResponse.averageSeconds)} (${details.firstHumanResponse.tickets} tickets)   resolution avg ${seconds(details.resolution.averageSeconds)} (${details.resolution.tickets})`,
    details.estimatedCostUsd === null
      ? details.tokensByDay.some((d) => d.input + d.output > 0)
        ? "model cost     — (no price for the answer model: set KEFU_MODEL_PRICES)"
        : "model cost     none (no model tokens)"
      : `model cost     ~$${details.estimatedCostUsd.toFixed(4)}   per conversation ${details.estimatedCostPerConversationUsd === null ? "—" : `~$${details.estimatedCostPerConversationUsd.toFixed(5)}`}`,
    "top answered entries",
    ...details.topAnswered.map((entry) => `  ${entry.faqId.padEnd(20)} ${entry.answers}`),
    "CSAT by agent",
    ...Object.entries(details.csatByAgent).map(
      ([agent, csat]) => `  ${agent.padEnd(20)} ${csat.average?.toFixed(2) ?? "—"} (${csat.count})`,
    ),
  ];
}

function formatQuality(quality: ReportQuality): string[] {
  return [
    // Delivered against the inspections that let a message out; the blocked apart (they sent nothing).
    `quality        ${quality.messagesSent} sent, ${quality.inspected.passed} passed inspection (${percent(quality.shareInspected ?? null)})   ${quality.blocked} blocked   ${quality.inspected.total} inspections`,
    "findings by rule",
    ...quality.byRule.map((rule) => `  ${rule.ruleId.padEnd(20)} ${rule.findings}`),
    "findings by agent",
    ...quality.byAgent.map(
      (agent) => `  ${agent.agent.padEnd(20)} ${agent.withFindings} of ${agent.inspected}`,
    ),
  ];
}

export async function main(argv: string[], io: CliIo = consoleIo, now = new Date()): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let range: ReportRange;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        since: { type: "string", default: "7d" },
        until: { type: "string" },
        channel: { type: "string" },
        source: { type: "string", default: "sql" },
        json: { type: "boolean", default: false },
        tz: { type: "string" },
        "athena-workgroup": { type: "string" },
        "athena-database": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    range = parseRange(
      String(values.since),
      values.until as string | undefined,
      now,
      values.channel as string,
    );
    if (values.tz !== undefined) {
      try {
        range.timeZone = checkTimeZone(String(values.tz));
      } catch (error) {
        if (error instanceof InvalidTimeZoneError) throw new UsageError(error.message);
        throw error;
      }
    }
    if (values.source !== "sql" && values.source !== "counters")
      throw new UsageError("--source is sql or counters");
    if (!values["athena-workgroup"] !== !values["athena-database"]) {
      throw new UsageError("--athena-workgroup and --athena-database go together");
    }
  } catch (error) {
    io.err(`report: ${(error as Error).message}`);
    io.err(`${SYNOPSIS}  (--help for more)`);
    return 2;
  }
  try {
    const workgroup = values["athena-workgroup"] as string | undefined;
    const local = workgroup ? {} : await localEnv();
    // --tz over the setting (KEFU_REPORT_TIME_ZONE, the shell's over the local stack's) over the default.
    const settings = loadReportSettings({ ...local, ...shellEnv() });
    const zoned = {
      ...range,
      timeZone: range.timeZone ?? settings.timeZone,
      // The cost estimate prices the answer model (KEFU_ANSWER_MODEL_ID; KEFU_MODEL_PRICES over the defaults).
      ...(settings.modelPrice ? { modelPrice: settings.modelPrice } : {}),
    };
    const report = workgroup
      ? await athenaReport(
          new AthenaClient({}),
          { workgroup, database: String(values["athena-database"]) },
          zoned,
        )
      : await localReport(local, zoned, values.source as "sql" | "counters");
    if (values.json) io.out(JSON.stringify(report));
    else for (const line of formatReport(report)) io.out(line);
    return 0;
  } catch (error) {
    io.err(`report: ${(error as Error).message}`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  quietLibraries();
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
