/**
 * `npm run quality -- [--since 7d] [--sent N] [--json]`
 *
 * The quality-inspection report of the local stack (`npm start` must be running): outgoing messages
 * inspected (bot and agents), decisions, findings by rule and by agent, from the inspections table. The
 * same figures as the desk's `GET /quality/report` (shared/core/quality/audit.ts). `--sent N` (the messages
 * sent in the range, from the analytics counters) adds the share inspected. Exit code 2 on a usage error.
 */
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { daysBetween, type QualityReport, qualityReport } from "../../shared/core/quality/audit";
import { TABLES } from "../../shared/resources";
import { createInspectionAuditStore } from "../../shared/stores/inspection-audit";
import { quietLibraries } from "../env";
import { type CliIo, consoleIo, localDocumentClient, localEnv } from "./faq-import";

quietLibraries();

const SYNOPSIS = "usage: npm run quality -- [--since 7d] [--sent N] [--json]";
const USAGE = `${SYNOPSIS}

The quality-inspection report of the local stack (\`npm start\` must be running).

  --since Nd    the last N days, today included (default 7d, at most 92d)
  --sent N      messages sent in the range (from the analytics counters): adds the share inspected
  --json        print one JSON object (the shape of GET /desk/api/quality/report)
  -h, --help    print this help`;

export async function main(argv: string[], io: CliIo = consoleIo, now = new Date()): Promise<number> {
  let values: { since?: string; sent?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        since: { type: "string", default: "7d" },
        sent: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    io.err(`quality: ${(error as Error).message}`);
    io.err(`${SYNOPSIS}  (--help for more)`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const days = /^(\d{1,2})d$/.exec(values.since ?? "")?.[1];
  const sent = values.sent === undefined ? undefined : Number(values.sent);
  if (
    !days ||
    Number(days) < 1 ||
    Number(days) > 92 ||
    (sent !== undefined && !(Number.isInteger(sent) && sent >= 0))
  ) {
    io.err(`quality: --since takes 1d to 92d, --sent a whole number`);
    io.err(`${SYNOPSIS}  (--help for more)`);
    return 2;
  }
  try {
    const env = await localEnv();
    const doc = localDocumentClient(env);
    const audit = createInspectionAuditStore(doc, env[TABLES.inspections.envVar] ?? "");
    const range = daysBetween(new Date(now.getTime() - (Number(days) - 1) * 86_400_000), now);
    const records = (await Promise.all(range.map((day) => audit.listDay(day)))).flat();
    const report = qualityReport(records, {
      since: range[0] ?? "",
      until: range.at(-1) ?? "",
      ...(sent !== undefined ? { sent } : {}),
    });
    io.out(values.json ? JSON.stringify(report) : describe(report));
    return 0;
  } catch (error) {
    io.err(`quality: ${(error as Error).message}`);
    return 1;
  }
}

/** The report as a few lines of text. */
export function describe(report: QualityReport): string {
  const { inspected, decisions } = report;
  const lines = [
    `quality inspection ${report.since} … ${report.until}`,
    `inspections: ${inspected.total} (bot ${inspected.bot}, agents ${inspected.agent}): ${inspected.passed} let the message out, ${decisions.blocked} blocked` +
      (report.shareInspected !== undefined
        ? ` (those let out: ${(report.shareInspected * 100).toFixed(1)}% of the messages sent)`
        : ""),
    `decisions: sent ${decisions.sent}, blocked ${decisions.blocked}, sent with a reason ${decisions.sent_with_reason}, rephrased ${decisions.rephrased}`,
    "findings by rule:",
    ...(report.byRule.length === 0
      ? ["  (none)"]
      : report.byRule.map((r) => `  ${r.ruleId} (${r.severity}): ${r.findings} in ${r.messages} messages`)),
    "agents:",
    ...(report.byAgent.length === 0
      ? ["  (none)"]
      : report.byAgent.map(
          (a) =>
            `  ${a.agent}: ${a.inspected} inspected, ${a.withFindings} with findings, ${a.blocked} blocked, ` +
            `${a.sentWithReason} sent with a reason, ${a.rephrased} rephrased`,
        )),
  ];
  return lines.join("\n");
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
