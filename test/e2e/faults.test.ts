import { mkdirSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CHANNELS } from "../../shared/core/message";
import { formatReport, runFaultSuite } from "../support/fault-suite";
import { testEnv } from "../support/local-env";

/**
 * Faults, proven: ≥ 500 customer messages over all seven channels, through the platforms' signed
 * requests, while the platforms retry and deliver twice or concurrently, and DynamoDB, SQS, Bedrock and
 * the channel APIs fail at every stage (test/support/fault-suite.ts says how). What the customers
 * received is then counted per message: none may be lost, none answered twice.
 *
 * `KEFU_FAULTS_SEED` and `KEFU_FAULTS_MESSAGES` run other plans; `npx tsx bench/faults.ts` runs larger
 * ones over several seeds. The figures go to test-results/faults-seed<seed>.json, what the functions
 * logged (codes and ids) to faults-seed<seed>.log.jsonl beside it.
 */
const seed = Number(process.env.KEFU_FAULTS_SEED ?? 1);
const messages = Math.max(500, Number(process.env.KEFU_FAULTS_MESSAGES ?? 500));

describe("the whole pipeline under injected faults", () => {
  it(`loses no message and answers none twice (${messages} messages, seed ${seed})`, async () => {
    const env = testEnv();
    mkdirSync("test-results", { recursive: true });
    const report = await runFaultSuite({
      seed,
      messages,
      emulators: {
        dynamoEndpoint: env.KEFU_DYNAMODB_ENDPOINT ?? "",
        awsEndpoint: env.KEFU_AWS_ENDPOINT ?? "",
      },
      prefix: `e2e-faults-${process.pid}`,
      logFile: `test-results/faults-seed${seed}.log.jsonl`,
    });
    console.log(`\n${formatReport(report)}\n`);
    writeFileSync(`test-results/faults-seed${seed}.json`, `${JSON.stringify(report, null, 2)}\n`);

    // The traffic and the faults were what the suite claims: every channel, every kind of failure.
    expect(report.sent).toBeGreaterThanOrEqual(500);
    expect(Object.keys(report.channels).sort()).toEqual([...CHANNELS].sort());
    expect(report.duplicateDeliveries.afterAck + report.duplicateDeliveries.concurrent).toBeGreaterThan(0);
    const injected = (fragment: string) =>
      Object.entries(report.injected)
        .filter(([name]) => name.includes(fragment))
        .reduce((n, [, count]) => n + count.calls, 0);
    for (const kind of [
      "DynamoDB",
      "SQS SendMessage",
      "SendMessage stored, every attempt's answer lost",
      "webhook acknowledgement",
      "Bedrock InvokeModel",
      "Bedrock Converse throttled",
      "Bedrock Converse timeout",
      "channel API HTTP 503",
      "channel API timeout",
      "platform error",
    ]) {
      expect(injected(kind), kind).toBeGreaterThan(0);
    }
    // The model failed often enough that the engine fell back, and the customer still got one reply.
    expect(report.answered.faqFallback + report.answered.handoff).toBeGreaterThan(0);

    expect(report.lost, report.examples.lost.join("\n")).toBe(0);
    expect(report.duplicated, report.examples.duplicated.join("\n")).toBe(0);
    expect(report.unexplainedReplies, report.examples.unexplained.join("\n")).toBe(0);
    // The dead-letter queue holds the message whose replies the platform always refused, with its cause,
    // and a person has it on a ticket (a dead-lettered message on no ticket counts as lost, above).
    expect(report.deadLettered.length).toBeGreaterThan(0);
    for (const dead of report.deadLettered) expect(dead.cause, dead.messageId).not.toBe("");
    expect(report.escalated).toBeGreaterThan(0);
  }, 300_000);
});
