import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient } from "../../local/emulators";
import { s3Event } from "../../local/event-source";
import { dingtalkRobotMessage } from "../../local/platforms/dingtalk";
import { sesDelivery, simpleMail } from "../../local/platforms/email";
import { smsInbound } from "../../local/platforms/sms";
import { twilioInbound } from "../../local/platforms/twilio";
import { wechatPush } from "../../local/platforms/wechat";
import { wecomPush } from "../../local/platforms/wecom";
import { DEMO_OPEN_KFID, kfCustomerText, kfDeliver } from "../../local/platforms/wecom-kf";
import type { DingTalkCredentials } from "../../shared/channels/dingtalk/credentials";
import { dingtalkModule } from "../../shared/channels/dingtalk/module";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { SmsCredentials } from "../../shared/channels/sms/credentials";
import { smsModule } from "../../shared/channels/sms/module";
import type { TwilioCredentials } from "../../shared/channels/twilio/credentials";
import { twilioModule } from "../../shared/channels/twilio/module";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import type { WeComCredentials } from "../../shared/channels/wecom/credentials";
import { wecomModule } from "../../shared/channels/wecom/module";
import type { WeComKfCredentials } from "../../shared/channels/wecom-kf/credentials";
import { wecomKfModule } from "../../shared/channels/wecom-kf/module";
import { ticketIdFor } from "../../shared/core/ticket";
import { FAQ_BUCKET, TABLES, type TableName } from "../../shared/resources";
import { createAgentStore } from "../../shared/stores/agents";
import { createTicketStore } from "../../shared/stores/tickets";
import {
  FUNCTIONS,
  type FunctionsUnderGrants,
  readExampleFaq,
  startFunctionsUnderGrants,
} from "../support/functions-under-grants";
import { evaluate, tableArn } from "../support/iam-policy";

/**
 * A missing table grant fails here instead of in production. Each function's real code (its Lambda
 * handler) runs its paths — the webhook for every channel (SMS opt-outs, Twilio, 微信客服 cursor and
 * access token), the worker (answers on every channel, shared tokens, conversations, hand-off
 * and the ticket's life), ingest (imports and a restore) — against DynamoDB Local through an endpoint
 * that allows exactly the DynamoDB actions × tables the synthesised stack grants that function's role,
 * and answers anything else with DynamoDB's AccessDeniedException. Then both directions are checked:
 * nothing was refused, and every grant was used (a grant no path needs is one too many).
 */
const raw = demoCredentials();
const creds = {
  wechat: credentialsFor(wechatModule, raw) as WeChatCredentials,
  wecom: credentialsFor(wecomModule, raw) as WeComCredentials,
  wecomKf: credentialsFor(wecomKfModule, raw) as WeComKfCredentials,
  dingtalk: credentialsFor(dingtalkModule, raw) as DingTalkCredentials,
  sms: credentialsFor(smsModule, raw) as SmsCredentials,
  twilio: credentialsFor(twilioModule, raw) as TwilioCredentials,
};
const US = "support@kefu.example";

let kefu: FunctionsUnderGrants;
beforeAll(async () => {
  kefu = await startFunctionsUnderGrants("grants", {
    // Every channel configured, so that any grant that depends on a channel option is synthesised.
    emailFrom: US,
    emailDomain: "kefu.example",
    smsOrigination: "+15550000000",
  });
}, 120_000);
afterAll(async () => {
  await kefu?.stop();
});

const repliesTo = (channel: string, to: string) =>
  kefu.outbox.entries.filter((e) => e.channel === channel && e.to === to);
const refusals = () =>
  FUNCTIONS.flatMap((fn) => kefu.endpoints[fn].refusals().map((c) => `${fn}: ${c.action} on ${c.resource}`));

describe("with the table grants the stack synthesises", () => {
  it("ingest imports the FAQ, imports a change and restores the first version", async () => {
    const first = (await kefu.upload("faq.example.jsonl", await readExampleFaq())) as {
      results: { status: string }[];
    };
    expect(first.results.map((r) => r.status)).toEqual(["applied"]);
    const extra = JSON.stringify({
      id: "grants-extra",
      question: "你们支持货到付款吗？",
      answer: "暂不支持货到付款。",
      similar_questions: ["能货到付款吗"],
    });
    const second = (await kefu.upload("extra.jsonl", `${extra}\n`)) as { results: { status: string }[] };
    expect(second.results.map((r) => r.status)).toEqual(["applied"]);

    const restore = (await kefu.invokeIngest({ restore: { kb: "default" } })) as { uploadKey: string };
    const restored = (await kefu.invokeIngest(
      s3Event(kefu.env[FAQ_BUCKET.envVar] ?? "", restore.uploadKey),
    )) as { results: { status: string; counts: { deleted: number } }[] };
    expect(restored.results[0]).toMatchObject({ status: "applied", counts: { deleted: 1 } });
    expect(refusals()).toEqual([]);
  });

  it("the webhook and the SNS ingress take every channel's deliveries, and the worker answers each once", async () => {
    const wechat = wechatPush(creds.wechat, { openId: "o-grants", text: "怎么申请退货？" });
    const deliveries = [
      wechat,
      // WeChat's retry of the same push: dropped by the queue, no table touched for it.
      wechat,
      wecomPush(creds.wecom, { userId: "grants-wecom", text: "怎么申请退货？" }),
      await kfDeliver(kefu.url, creds.wecomKf, [kfCustomerText("wm-grants", "怎么申请退货？")]),
      dingtalkRobotMessage(creds.dingtalk, kefu.url, { userId: "grants-dingtalk", text: "怎么申请退货？" }),
      await sesDelivery({
        raw: simpleMail({ from: "li.hua@customer.example", to: US, subject: "退货", text: "怎么申请退货？" }),

        recipient: US,
      }),
      smsInbound(creds.sms, { from: "+14255550201", text: "怎么申请退货？" }),
      twilioInbound(creds.twilio, kefu.url, { from: "+14155550201", text: "How do I return an item?" }),
      // Keywords: the opt-out is recorded by the webhook, the confirmation and HELP sent by the worker.
      smsInbound(creds.sms, { from: "+14255550202", text: "STOP" }),
      twilioInbound(creds.twilio, kefu.url, { from: "+14155550202", text: "HELP" }),
    ];
    const statuses = [];
    for (const delivery of deliveries) statuses.push((await kefu.post(delivery)).status);
    // Refusals first: they say which grant is missing, where a status only says that something failed.
    expect(refusals()).toEqual([]);
    expect(statuses).toEqual(deliveries.map(() => 200));
    // The ingress functions only enqueue: nothing is sent before the worker runs, keyword answers included.
    expect(kefu.outbox.entries).toEqual([]);
    expect(await kefu.drainQueue()).toEqual([]);

    for (const [channel, to] of [
      ["wechat", "o-grants"],
      ["wecom", "grants-wecom"],
      ["wecom-kf", "wm-grants"],
      ["dingtalk", "grants-dingtalk"],
      ["email", "li.hua@customer.example"],
      ["sms", "+14255550201"],
      ["twilio", "+14155550201"],
      ["sms", "+14255550202"],
      ["twilio", "+14155550202"],
    ] as const) {
      expect(repliesTo(channel, to), `${channel} ${to}`).toHaveLength(1);
    }
    expect(refusals()).toEqual([]);
  });

  it("the worker hands off, keeps the customer's next message on the ticket, and closes it with the session", async () => {
    const user = "wm-grants-handoff";
    const say = async (...messages: Parameters<typeof kfCustomerText>[]) =>
      kefu.post(
        await kfDeliver(
          kefu.url,
          creds.wecomKf,
          messages.map((m) => kfCustomerText(...m)),
        ),
      );
    // An agent online with the ticket's skill: routing at the hand-off takes a slot of their capacity.
    const agents = createAgentStore(
      DynamoDBDocumentClient.from(dynamoClient(kefu.env.KEFU_DYNAMODB_ENDPOINT ?? "")),
      kefu.env.KEFU_AGENTS_TABLE ?? "",
    );
    await agents.configure("grants-agent", { skills: ["lang:zh"], maxConcurrent: 5 }, new Date());
    await agents.setStatus("grants-agent", "online", new Date());
    const handoff = kfCustomerText(user, "转人工");
    expect((await kefu.post(await kfDeliver(kefu.url, creds.wecomKf, [handoff]))).status).toBe(200);
    expect(await kefu.drainQueue()).toEqual([]);
    expect(repliesTo("wecom-kf", user)).toHaveLength(1);

    expect((await say([user, "我的订单号是 12345"])).status).toBe(200);
    expect(await kefu.drainQueue()).toEqual([]);
    expect(repliesTo("wecom-kf", user)).toHaveLength(1);

    const closed = {
      msgid: `kfevt-grants-${Date.now()}`,
      send_time: Math.floor(Date.now() / 1000),
      origin: 4,
      msgtype: "event",
      event: {
        event_type: "session_status_change",
        open_kfid: DEMO_OPEN_KFID,
        external_userid: user,
        change_type: 3,
      },
    };
    expect((await kefu.post(await kfDeliver(kefu.url, creds.wecomKf, [closed]))).status).toBe(200);
    expect(await kefu.drainQueue()).toEqual([]);

    const doc = DynamoDBDocumentClient.from(dynamoClient(kefu.env.KEFU_DYNAMODB_ENDPOINT ?? ""));
    const ticketId = ticketIdFor({ channel: "wecom-kf", id: handoff.msgid ?? "" });
    const { Item } = await doc.send(
      new GetCommand({ TableName: kefu.env[TABLES.tickets.envVar], Key: { ticketId } }),
    );
    expect(Item).toMatchObject({ status: "resolved" });
    // Turns after the hand-off are items of their own table (read here directly, not through any grant).
    const tickets = createTicketStore(
      doc,
      kefu.env[TABLES.tickets.envVar] ?? "",
      kefu.env[TABLES.ticketTurns.envVar] ?? "",
    );
    expect(JSON.stringify((await tickets.get(ticketId))?.transcript)).toContain("12345");
    expect(refusals()).toEqual([]);
  });

  it("the worker records a customer's pick of a clarify option", async () => {
    // "怎么退" gets three options from the example FAQ; "1" picks the first.
    for (const text of ["怎么退", "1"]) {
      expect((await kefu.post(wechatPush(creds.wechat, { openId: "o-grants-pick", text }))).status).toBe(200);
      expect(await kefu.drainQueue()).toEqual([]);
    }
    expect(repliesTo("wechat", "o-grants-pick").map((r) => r.text.includes("1."))).toEqual([true, false]);
    expect(refusals()).toEqual([]);
  });

  it("every table grant of every function was used by the paths above: none is wider than the code", () => {
    const operations = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchWriteItem"];
    const unused = Object.fromEntries(
      FUNCTIONS.map((fn) => {
        const used = new Set(
          kefu.endpoints[fn].calls.filter((c) => c.decision.allowed).map((c) => `${c.action} ${c.resource}`),
        );
        const granted = (Object.keys(TABLES) as TableName[]).flatMap((table) =>
          operations
            .map((op) => ({ action: `dynamodb:${op}`, resource: tableArn(table) }))
            .filter(({ action, resource }) => evaluate(kefu.statements[fn], action, resource).allowed)
            .map(({ action, resource }) => `${action} ${resource}`),
        );
        expect(granted.length, fn).toBeGreaterThan(0);
        return [fn, granted.filter((g) => !used.has(g))];
      }),
    );
    expect(unused).toEqual({ webhook: [], worker: [], ingest: [], "sns-ingress": [] });
  });
});

describe("the enforcement", () => {
  it("refuses what the role is not granted, as AWS does: the SNS ingress without the tokens table fails SMS", async () => {
    const endpoint = kefu.endpoints["sns-ingress"];
    const granted = endpoint.statements;
    // No tokens table: the SMS opt-out lookup is refused.
    endpoint.statements = granted.filter((st) => st.resources.every((r) => !r.includes("table/tokens")));
    try {
      const before = endpoint.refusals().length;
      const response = await kefu.post(smsInbound(creds.sms, { from: "+14255550209", text: "你好" }));
      expect(response.status).toBe(500);
      expect(endpoint.refusals().slice(before)).toEqual([
        expect.objectContaining({ action: "dynamodb:GetItem", resource: tableArn("tokens") }),
      ]);
    } finally {
      endpoint.statements = granted;
    }
  });
});
