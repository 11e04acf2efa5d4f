import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { wireWorker } from "../../../functions/worker/wiring";
import { loadWorkerConfig } from "../../../shared/config/load-desk";
import { TABLES } from "../../../shared/resources";

/** The worker's pick recorder as wired: the picks table, and a failure counted and logged, not thrown. */
const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => ddb.reset());

const env = {
  KEFU_MODE: "aws",
  AWS_REGION: "us-west-2",
  KEFU_SECRET_ARN: "arn:aws:secretsmanager:us-west-2:123456789012:secret:kefu",
  KEFU_ANALYTICS_KEY_SECRET_ARN: "arn:aws:secretsmanager:us-west-2:123456789012:secret:kefu-analytics",
  KEFU_QUEUE_URL: "https://sqs.us-west-2.amazonaws.com/123456789012/kefu-inbound.fifo",
  KEFU_FAQ_BUCKET: "kefu-faq",
  KEFU_AGENT_TOPIC_ARN: "arn:aws:sns:us-west-2:123456789012:kefu-agents",
  KEFU_ENGINE: "local",
  ...Object.fromEntries(Object.values(TABLES).map((t) => [t.envVar, `kefu-${t.id}`])),
};
const pick = {
  id: "0123456789abcdef0123456789abcdef",
  wording: "退款要多久，电话13812345678",
  faqId: "refund-time",
  offered: ["refund-time", "refund-how"],
  channel: "sms" as const,
  at: "2026-12-01T10:00:00.000Z",
};

function wired() {
  const logger = new Logger({ serviceName: "kefu", logLevel: "SILENT" });
  const warn = vi.spyOn(logger, "warn");
  const deps = wireWorker(loadWorkerConfig(env), { logger });
  const addMetric = vi.spyOn(deps.metrics, "addMetric");
  return { picks: deps.pipeline.picks, warn, addMetric };
}

describe("the worker's clarify picks", () => {
  it("are written once, masked, to the picks table", async () => {
    ddb.on(PutCommand).resolves({});
    await wired().picks?.record(pick);
    const [put] = ddb.commandCalls(PutCommand);
    expect(put?.args[0].input).toMatchObject({
      TableName: "kefu-PicksTable",
      ConditionExpression: "attribute_not_exists(id)",
      Item: { day: "2026-12-01", id: pick.id, faqId: "refund-time", wording: "退款要多久，电话138****5678" },
    });
  });

  it("that fail to be written are counted and logged without the wording, never thrown", async () => {
    ddb.on(PutCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const { picks, warn, addMetric } = wired();
    await expect(picks?.record(pick)).resolves.toBeUndefined();
    expect(addMetric).toHaveBeenCalledWith("PicksNotRecorded", "Count", 1);
    expect(warn).toHaveBeenCalledWith("clarify pick not recorded", expect.anything());
    expect(JSON.stringify(warn.mock.calls)).not.toMatch(/退款|138/);
  });
});
