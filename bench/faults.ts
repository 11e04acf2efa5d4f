/**
 * The fault-injection suite at a larger scale, over several seeds: `npx tsx bench/faults.ts
 * [--messages 2000] [--seeds 1,2,3] [--json out.json]`. The same code as test/e2e/faults.test.ts
 * (test/support/fault-suite.ts), on emulators of its own. The functions read their configuration when
 * they load, so each seed runs in a process of its own; one table is printed per seed. A seed's report
 * comes back on a pipe of its own (fd 3), not through a file: nothing is left in the temp folder, however
 * the run ends.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startEmulators } from "../local/emulators";
import { type FaultSuiteReport, formatReport, runFaultSuite } from "../test/support/fault-suite";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

/** Where a seed's process writes its report for the parent (stdout and stderr are the progress lines). */
const REPORT_FD = 3;

/** One seed, in this process. */
async function runOne(seed: number, messages: number, faultScale: number): Promise<void> {
  const emulators = await startEmulators();
  try {
    const report = await runFaultSuite({
      seed,
      messages,
      faultScale,
      emulators,
      prefix: `bench-faults-${process.pid}`,
      ...(process.env.KEFU_FAULTS_LOG ? { logFile: process.env.KEFU_FAULTS_LOG } : {}),
      log: (line) => console.error(`[seed ${seed}] ${line}`),
    });
    writeFileSync(REPORT_FD, JSON.stringify(report));
  } finally {
    await emulators.stop();
  }
}

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "2000" },
    seeds: { type: "string", default: "1,2,3" },
    "fault-scale": { type: "string", default: "1" },
    json: { type: "string" },
    one: { type: "string" },
  },
});
const messages = Number(values.messages);
if (values.one !== undefined) {
  await runOne(Number(values.one), messages, Number(values["fault-scale"]));
} else {
  const reports: FaultSuiteReport[] = [];
  for (const seed of String(values.seeds)
    .split(",")
    .map((s) => Number(s.trim()))) {
    const child = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1] ?? "",
        "--one",
        String(seed),
        "--messages",
        String(messages),
        "--fault-scale",
        String(values["fault-scale"]),
      ],
      { stdio: ["ignore", "inherit", "inherit", "pipe"], maxBuffer: 64 * 1024 * 1024 },
    );
    if (child.status !== 0) throw new Error(`seed ${seed} failed (exit ${child.status ?? child.signal})`);
    const report = JSON.parse(String(child.output[REPORT_FD])) as FaultSuiteReport;
    console.log(`${formatReport(report)}\n`);
    reports.push(report);
  }
  if (values.json) writeFileSync(values.json, `${JSON.stringify(reports, null, 2)}\n`);
  process.exitCode = reports.some((r) => r.lost > 0 || r.duplicated > 0) ? 1 : 0;
}
