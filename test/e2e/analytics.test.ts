import { describe, expect, it } from "vitest";
import { localReport } from "../../local/analytics/local-report";
import { dingtalkRobotMessage } from "../../local/platforms/dingtalk";
import { smsInbound } from "../../local/platforms/sms";
import { type PlatformRequest, wechatPush } from "../../local/platforms/wechat";
import type { DingTalkCredentials } from "../../shared/channels/dingtalk/credentials";
import { dingtalkModule } from "../../shared/channels/dingtalk/module";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { SmsCredentials } from "../../shared/channels/sms/credentials";
import { smsModule } from "../../shared/channels/sms/module";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { zoneOffsetMinutes } from "../../shared/core/analytics/queries";
import type { AnalyticsReport } from "../../shared/core/analytics/report";
import { useTestStack } from "../support/stack";
import { waitFor } from "../support/wait";

/**
 * Analytics end to end: a scripted mix of conversations through the local stack's signed webhooks on
 * three channels — answers, small talk, hand-offs for two reasons, an agent's reply and resolve through
 * the desk API — and the report of the day, from
 * the SQL over the event history (DuckDB on the JSON Lines in the S3 emulator) and from the DynamoDB
 * counters, must both show exactly what was sent.
 */
// cognito-local starts beside the stack (the desk API resolves a ticket).
const kefu = useTestStack("analytics", { desk: { build: false } });
const wechat = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;
const dingtalk = credentialsFor(dingtalkModule, demoCredentials()) as DingTalkCredentials;
const sms = credentialsFor(smsModule, demoCredentials()) as SmsCredentials;

const post = async (request: PlatformRequest) => {
  expect((await kefu.deliver(request)).status).toBe(200);
};
const replies = (channel: string, to: string) => kefu.repliesTo(channel, to).length;

/** Sends a customer's messages one after the other, each after the reply to the one before. */
async function converse(
  channel: string,
  to: string,
  send: (text: string) => PlatformRequest,
  texts: string[],
) {
  for (const [i, text] of texts.entries()) {
    await post(send(text));
    await waitFor(() => replies(channel, to) >= i + 1, { what: `the reply to ${channel} message ${i + 1}` });
  }
}

const today = () => new Date().toISOString().slice(0, 10);

describe("the analytics of a scripted mix of conversations", () => {
  it("reports exactly what was sent, with the same figures from the SQL history and the counters", async () => {
    const run = `${process.pid}`;
    const onWechat = (openId: string) => (text: string) => wechatPush(wechat, { openId, text });
    await converse("wechat", `o-an-answer-${run}`, onWechat(`o-an-answer-${run}`), ["怎么申请退货？"]);
    await converse("wechat", `o-an-hello-${run}`, onWechat(`o-an-hello-${run}`), ["你好"]);
    await converse("wechat", `o-an-person-${run}`, onWechat(`o-an-person-${run}`), ["转人工"]);
    await converse("wechat", `o-an-angry-${run}`, onWechat(`o-an-angry-${run}`), [
      "你们这什么破服务！！气死我了…退款到底什么时候到？",
    ]);
    const onDingtalk = (userId: string) => (text: string) =>
      dingtalkRobotMessage(dingtalk, kefu.stack.url, { userId, text });
    await converse("dingtalk", `an-answer-${run}`, onDingtalk(`an-answer-${run}`), ["怎么申请退货？"]);
    await converse("dingtalk", `an-person-${run}`, onDingtalk(`an-person-${run}`), ["我要人工客服"]);
    // One conversation of two messages: an answer, then the customer asks for a person.
    const phone = "+14255550177";
    await converse("sms", phone, (text) => smsInbound(sms, { from: phone, text }), [
      "怎么申请退货？",
      "转人工",
    ]);

    // An agent takes the WeChat customer's ticket, replies and resolves it, through the desk API.
    const tickets = (await (await fetch(`${kefu.stack.url}/dev/tickets`)).json()) as {
      ticketId: string;
      conversationKey: string;
    }[];
    const ticketId = tickets.find((t) => t.conversationKey.endsWith(`:o-an-person-${run}`))?.ticketId;
    for (const [path, body] of [
      [`/tickets/${ticketId}/reply`, { text: "您好，我来帮您处理。" }],
      [`/tickets/${ticketId}/resolve`, {}],
    ] as const) {
      expect((await kefu.desk.api("agent", "POST", path, body)).status).toBe(200);
    }

    const range = { since: today(), until: today() };
    const messagesReceived = 8;
    // What the platforms received, the simulators' record: the bot's replies, the agent's reply and
    // the CSAT question the resolve sent.
    const sentToCustomers = kefu.stack.outbox.entries.length;
    expect(sentToCustomers).toBe(10);
    // Events are written after each batch's replies: wait until both engines have every message.
    const [sql, counters] = await waitFor(
      async () => {
        const reports = await Promise.all([
          localReport(kefu.stack.env, range, "sql"),
          localReport(kefu.stack.env, range, "counters"),
        ]);
        return (
          reports.every(
            (r) => r.messages === messagesReceived && r.resolved === 1 && r.sent === sentToCustomers,
          ) && reports
        );
      },
      { what: "every message in both engines' figures" },
    );
    const expected: Partial<AnalyticsReport> = {
      conversations: 7,
      messages: messagesReceived,
      sent: sentToCustomers,
      byChannel: { dingtalk: 2, sms: 1, wechat: 4 },
      handoffs: 4,
      handoffsByReason: { customer_request: 3, negative_sentiment: 1 },
      containment: 3 / 7,
      answered: 3,
      smallTalk: 1,
      agentReplies: 1,
      resolved: 1,
    };
    expect(sql).toMatchObject(expected);
    // The counters keep the headline figures; the details come from the SQL only.
    const { details, ...figures } = sql;
    expect(counters).toEqual(figures);
    expect(counters.details).toBeUndefined();
    expect(details).toMatchObject({
      source: "sql",
      firstHumanResponse: { tickets: 1 },
      resolution: { tickets: 1 },
    });
    const cells = details?.heatmap ?? [];
    expect(cells.reduce((sum, cell) => sum + cell.conversations, 0)).toBe(7);
    // Hours and weekdays in the report's zone, China time unless KEFU_REPORT_TIME_ZONE says otherwise.
    expect(sql.timeZone).toBe("Asia/Shanghai");
    const now = Date.now();
    const local = new Date(now + zoneOffsetMinutes(sql.timeZone, now) * 60_000);
    expect(cells.map((c) => [c.weekday, c.hour])).toContainEqual([
      (local.getUTCDay() + 6) % 7,
      expect.any(Number),
    ]);
    expect(details?.topAnswered.reduce((sum, entry) => sum + entry.answers, 0)).toBe(3);
    expect(details?.tokensByDay).toEqual([expect.objectContaining({ day: today(), conversations: 7 })]);
    // The quality section: every message the platforms received was inspected, the CSAT question too.
    expect(sql.quality).toMatchObject({
      messagesSent: sentToCustomers,
      shareInspected: 1,
      blocked: 0,
      inspected: { total: sentToCustomers, agent: 1 },
      byAgent: [{ inspected: 1, withFindings: 0 }],
    });
    // The top unanswered topics: the angry customer's hand-off, which asks something (people asked for,
    // and outbursts that ask nothing, are not unanswered questions).
    expect(sql.topUnanswered).toMatchObject([
      { question: "你们这什么破服务！！气死我了…退款到底什么时候到？", count: 1 },
    ]);

    const wechatOnly = { ...range, channel: "wechat" as const };
    const [sqlWechat, countersWechat] = await Promise.all([
      localReport(kefu.stack.env, wechatOnly, "sql"),
      localReport(kefu.stack.env, wechatOnly, "counters"),
    ]);
    expect(sqlWechat).toMatchObject({
      conversations: 4,
      byChannel: { wechat: 4 },
      handoffsByReason: { customer_request: 1, negative_sentiment: 1 },
      containment: 0.5,
    });
    const { details: _wechatDetails, ...wechatFigures } = sqlWechat;
    expect(countersWechat).toEqual(wechatFigures);
  }, 120_000); // Each poll of the reports copies the events and runs the SQL in DuckDB: slow on a busy machine.
});
