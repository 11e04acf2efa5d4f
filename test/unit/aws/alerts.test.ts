import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AlertDeliveryError, alertText, createAlerter, dingtalkRobotSign } from "../../../shared/aws/alerts";
import type { DeskAlert } from "../../../shared/core/desk/ticket-care";

const alert: DeskAlert = {
  kind: "sla_breached",
  ticketId: "KF-AAAA0001",
  channel: "sms",
  conversationKey: "sms:+8613812345678",
  reason: "customer_request",
  priority: "high",
  breached: ["first_response"],
};
const settings = {
  deskUrl: "https://desk.example.com/desk/",
  wecomApiBase: "https://qyapi.example",
  dingtalkApiBase: "https://oapi.example",
};
const ids = { conversationId: async () => "C-0123456789abcdef0123" };

function recordingFetch(
  reply: (url: string) => { status: number; body: unknown } = () => ({ status: 200, body: { errcode: 0 } }),
) {
  const calls: { url: string; body: unknown }[] = [];
  const fetcher = (async (url: string, init: RequestInit) => {
    calls.push({ url, body: JSON.parse(String(init.body)) });
    const { status, body } = reply(url);
    return new Response(JSON.stringify(body), { status });
  }) as unknown as typeof fetch;
  return { calls, fetcher };
}

describe("DingTalk's robot signature", () => {
  // Vectors computed with Python's hmac/base64/urllib.parse.quote_plus, as DingTalk's documentation does.
  it.each([
    [1577262236757, "this is secret", "hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D"],
    [
      1700000000000,
      "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd",
      "8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw%3D",
    ],
  ])("signs %s with its secret", (timestamp, secret, expected) => {
    expect(dingtalkRobotSign(timestamp, secret)).toBe(expected);
  });
});

describe("alerts to agents", () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: "m" });
  });

  it("go to the WeCom robot, the signed DingTalk robot and the topic, with ids and no personal data", async () => {
    const { calls, fetcher } = recordingFetch();
    const send = createAlerter({
      credentials: async () => ({
        KEFU_ALERT_WECOM_KEY: "wk-1",
        KEFU_ALERT_DINGTALK_TOKEN: "dt-1",
        KEFU_ALERT_DINGTALK_SECRET: "SECabc",
      }),
      settings,
      sns: { client: new SNSClient({}), topicArn: "arn:aws:sns:us-east-1:1:agents" },
      ids,
      fetch: fetcher,
      now: () => new Date(1700000000000),
    });
    await send(alert);
    expect(calls.map((c) => c.url)).toEqual([
      "https://qyapi.example/cgi-bin/webhook/send?key=wk-1",
      `https://oapi.example/robot/send?access_token=dt-1&timestamp=1700000000000&sign=${dingtalkRobotSign(1700000000000, "SECabc")}`,
    ]);
    const text = String((calls[0]?.body as { text?: { content?: string } } | undefined)?.text?.content);
    expect(calls[1]?.body).toEqual(calls[0]?.body);
    expect(text).toContain("KF-AAAA0001");
    expect(text).toContain("C-0123456789abcdef0123");
    expect(text).toContain("https://desk.example.com/desk/tickets/KF-AAAA0001");
    const published = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(JSON.parse(String(published?.Message))).toMatchObject({
      type: "kefu.ticket.sla_breached",
      ticketId: "KF-AAAA0001",
      breached: ["first_response"],
    });
    for (const raw of [text, String(published?.Message), String(published?.Subject)]) {
      expect(raw).not.toContain("13812345678");
    }
  });

  it("send to none of the robots when none is configured", async () => {
    const { calls, fetcher } = recordingFetch();
    await createAlerter({ credentials: async () => ({}), settings, ids, fetch: fetcher })(alert);
    expect(calls).toEqual([]);
  });

  it("try every sink when one refuses, then report the refusal", async () => {
    const { calls, fetcher } = recordingFetch((url) =>
      url.includes("qyapi")
        ? { status: 200, body: { errcode: 93000, errmsg: "invalid webhook url" } }
        : { status: 200, body: { errcode: 0 } },
    );
    const send = createAlerter({
      credentials: async () => ({ KEFU_ALERT_WECOM_KEY: "bad", KEFU_ALERT_DINGTALK_TOKEN: "dt-1" }),
      settings,
      ids,
      fetch: fetcher,
    });
    const error = await send(alert).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertDeliveryError);
    expect((error as AlertDeliveryError).sink).toBe("wecom");
    expect(calls).toHaveLength(2);
    // An unsigned DingTalk robot (keyword or IP security) gets no timestamp/sign.
    expect(calls[1]?.url).toBe("https://oapi.example/robot/send?access_token=dt-1");
  });

  it("word each kind for people, in both languages", () => {
    expect(alertText({ ...alert, kind: "ticket_opened", breached: undefined }, undefined)).toMatch(
      /^\[Kefu\] 新工单 New ticket: KF-AAAA0001/,
    );
    expect(alertText({ ...alert, kind: "ticket_reopened", assignee: "li" }, "C-1")).toContain(
      "处理人 agent: li",
    );
  });
});
