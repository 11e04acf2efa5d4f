import { createHash } from "node:crypto";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { ALERT_ID_KEY_NAME, alertIds, snsAgentNotifier } from "../../../shared/aws/notify";
import type { Ticket } from "../../../shared/core/ticket";

const sns = mockClient(SNSClient);
const ddb = mockClient(DynamoDBDocumentClient);
const TOPIC = "arn:aws:sns:us-east-1:123456789012:kefu-agents";
const KEY = Buffer.alloc(32, 7).toString("base64");

function ticket(conversationKey: string, ticketId = "KF-AAAA0001"): Ticket {
  return {
    ticketId,
    conversationKey,
    channel: "sms",
    customerId: "+8613812345678",
    reason: "low_confidence",
    priority: "normal",
    status: "open",
    transcript: [{ role: "customer", text: "我的手机 138****5678", at: "2026-11-21T10:00:00.000Z" }],
    candidates: [],
    createdAt: "2026-11-21T10:00:00.000Z",
    updatedAt: "2026-11-21T10:00:00.000Z",
  };
}

const published = () =>
  sns
    .commandCalls(PublishCommand)
    .map((c) => JSON.parse(c.args[0].input.Message ?? "{}") as Record<string, unknown>);

beforeEach(() => {
  sns.reset();
  ddb.reset();
  sns.on(PublishCommand).resolves({ MessageId: "1" });
  ddb.on(UpdateCommand).resolves({ Attributes: { name: ALERT_ID_KEY_NAME, value: KEY } });
});

describe("agent alerts", () => {
  it("never carry the conversation key or the phone number in it, but an opaque conversation id", async () => {
    const ids = alertIds(ddb as unknown as DynamoDBDocumentClient, "tokens");
    const notify = snsAgentNotifier(new SNSClient({}), TOPIC, ids);
    const key = "sms:+8613800000000:+8613812345678";
    await notify({ ticket: ticket(key) });
    await notify({ ticket: ticket(key, "KF-AAAA0002") });
    await notify({ ticket: ticket("sms:+8613800000000:+8613912345678", "KF-AAAA0003") });

    const [first, again, other] = published();
    const raw = JSON.stringify(sns.commandCalls(PublishCommand).map((c) => c.args[0].input));
    expect(raw).not.toContain("13812345678");
    expect(raw).not.toContain("conversationKey");
    expect(first).toMatchObject({ type: "kefu.ticket.opened", ticketId: "KF-AAAA0001", channel: "sms" });
    expect(first?.conversationId).toMatch(/^C-[0-9a-f]{20}$/);
    // Stable for one conversation, different for another, and not a plain hash anyone can recompute.
    expect(again?.conversationId).toBe(first?.conversationId);
    expect(other?.conversationId).not.toBe(first?.conversationId);
    const plain = createHash("sha256").update(key).digest("hex").slice(0, 20);
    expect(first?.conversationId).not.toBe(`C-${plain}`);
  });

  it("makes the key once per deployment in one atomic write, and reads it once per instance", async () => {
    const ids = alertIds(ddb as unknown as DynamoDBDocumentClient, "tokens");
    await Promise.all([ids.conversationId("a"), ids.conversationId("b"), ids.conversationId("c")]);
    const calls = ddb.commandCalls(UpdateCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toMatchObject({
      TableName: "tokens",
      Key: { name: ALERT_ID_KEY_NAME },
      UpdateExpression: "SET #value = if_not_exists(#value, :fresh)",
      ReturnValues: "ALL_NEW",
    });
    // Another instance that lost the race reads the first key back, so both give the same ids.
    const fresh = calls[0]?.args[0].input.ExpressionAttributeValues?.[":fresh"];
    expect(Buffer.from(String(fresh), "base64")).toHaveLength(32);
  });

  it("tries to read the key again after a failure instead of keeping the failure", async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(new Error("throttled"))
      .resolves({ Attributes: { value: KEY } });
    const ids = alertIds(ddb as unknown as DynamoDBDocumentClient, "tokens");
    await expect(ids.conversationId("a")).rejects.toThrow("throttled");
    await expect(ids.conversationId("a")).resolves.toMatch(/^C-/);
  });

  it("sends nothing without a topic", async () => {
    await snsAgentNotifier(new SNSClient({}), undefined)({ ticket: ticket("sms:x") });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
