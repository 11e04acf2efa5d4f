import { describe, expect, it } from "vitest";
import { wechatPush } from "../../local/platforms/wechat";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { useTestStack } from "../support/stack";
import { settle, waitFor } from "../support/wait";

/**
 * The whole pipeline on one machine, for real: a WeChat safe-mode push → the same webhook handler AWS
 * runs → the fauxqs FIFO queue (deduplicating) → the worker → the WeChat simulator's outbox.
 */
const kefu = useTestStack("wechat");
const credentials = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;

const post = kefu.deliver;

const repliesTo = (openId: string) => kefu.repliesTo("wechat", openId);

async function getJson<T>(path: string): Promise<T> {
  return (await fetch(`${kefu.stack.url}${path}`)).json() as Promise<T>;
}

describe("a customer question on WeChat", () => {
  it("is answered exactly once from the FAQ, with the AI disclosure, even when WeChat retries", async () => {
    const push = wechatPush(credentials, { openId: "o-e2e-answer", text: "怎么申请退货？" });
    const first = await post(push);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe("success");

    const [reply] = await waitFor(() => repliesTo("o-e2e-answer").length > 0 && repliesTo("o-e2e-answer"), {
      what: "the reply",
    });
    expect(reply?.text).toContain("AI");
    expect(reply?.text).toContain("申请售后");

    // WeChat's three retries carry the same MsgId: each is acknowledged, none is answered again.
    for (let i = 0; i < 3; i++) {
      const retry = await post(push);
      expect(retry.status).toBe(200);
      expect(await retry.text()).toBe("success");
    }
    await settle(1500);
    expect(repliesTo("o-e2e-answer")).toHaveLength(1);
  });

  it("keeps 20-digit MsgIds exact through the queue", async () => {
    const msgId = "98765432109876543210";
    await post(wechatPush(credentials, { openId: "o-e2e-msgid", text: "发票怎么开", msgId }));
    await waitFor(() => repliesTo("o-e2e-msgid").length > 0, { what: "the reply" });
    expect(kefu.stack.inbox.some((m) => m.sender === "o-e2e-msgid")).toBe(true);
    const tickets = await getJson<{ ticketId: string }[]>("/dev/tickets");
    expect(Array.isArray(tickets)).toBe(true);
  });

  it("welcomes a new follower with the AI disclosure, and answers an image politely", async () => {
    await post(wechatPush(credentials, { openId: "o-e2e-events", event: "subscribe" }));
    await waitFor(() => repliesTo("o-e2e-events").length === 1, { what: "the welcome" });
    expect(repliesTo("o-e2e-events")[0]?.text).toContain("AI");

    await post(wechatPush(credentials, { openId: "o-e2e-events", msgType: "image" }));
    await waitFor(() => repliesTo("o-e2e-events").length === 2, { what: "the media reply" });
    expect(repliesTo("o-e2e-events")[1]?.text).toContain("文字");
  });
});

describe("a hand-off", () => {
  it("opens a ticket with the context, tells the customer, then stays silent until the ticket is resolved", async () => {
    const openId = "o-e2e-handoff";
    await post(wechatPush(credentials, { openId, text: "我的快递到哪了" }));
    await waitFor(() => repliesTo(openId).length === 1, { what: "the first answer" });

    await post(wechatPush(credentials, { openId, text: "转人工" }));
    await waitFor(() => repliesTo(openId).length === 2, { what: "the hand-off message" });
    const tickets =
      await getJson<
        {
          ticketId: string;
          conversationKey: string;
          reason: string;
          status: string;
          transcript: { text: string }[];
        }[]
      >("/dev/tickets");
    const ticket = tickets.find((t) => t.conversationKey.endsWith(`:${openId}`));
    expect(ticket).toMatchObject({ reason: "customer_request", status: "open" });
    expect(ticket?.transcript.map((t) => t.text)).toEqual(
      expect.arrayContaining(["我的快递到哪了", "转人工"]),
    );
    expect(repliesTo(openId)[1]?.text).toContain(ticket?.ticketId ?? "no ticket");

    // While a person handles it, the bot says nothing; the customer's words reach the ticket.
    await post(wechatPush(credentials, { openId, text: "我的手机号是13812345678，还在吗？" }));
    const masked = "我的手机号是138****5678，还在吗？";
    const updated = await waitFor(
      async () => {
        const all = await getJson<typeof tickets>("/dev/tickets");
        const t = all.find((x) => x.ticketId === ticket?.ticketId);
        return t?.transcript.some((turn) => turn.text === masked) ? t : undefined;
      },
      { what: "the ticket to record the message" },
    );
    // The agent reads the hand-off notice the customer got, then what the customer wrote since.
    expect(updated.transcript.slice(-2).map((t) => t.text)).toEqual([repliesTo(openId)[1]?.text, masked]);
    await settle(1000);
    expect(repliesTo(openId)).toHaveLength(2);

    // The agent answers through the same channel, and the ticket keeps the whole exchange.
    const agentText = "您好，我是客服小王，您的快递明天送达。";
    const replied = await fetch(`${kefu.stack.url}/dev/tickets/${ticket?.ticketId}/reply`, {
      method: "POST",
      body: JSON.stringify({ text: agentText }),
    });
    expect(replied.status).toBe(200);
    expect(repliesTo(openId)[2]?.text).toBe(agentText);
    const withAgent = (await getJson<typeof tickets>("/dev/tickets")).find(
      (t) => t.ticketId === ticket?.ticketId,
    );
    expect(withAgent?.transcript.at(-1)).toMatchObject({ role: "agent", text: agentText });

    // Once the agent resolves the ticket, the bot answers again; the desk refuses to write on a closed one.
    const resolved = await fetch(`${kefu.stack.url}/dev/tickets/${ticket?.ticketId}/resolve`, {
      method: "POST",
    });
    expect(resolved.status).toBe(200);
    const late = await fetch(`${kefu.stack.url}/dev/tickets/${ticket?.ticketId}/reply`, {
      method: "POST",
      body: JSON.stringify({ text: "还有问题吗" }),
    });
    expect(late.status).toBe(409);
    // The resolve asks the customer to rate the help (as the desk's does); a question is still answered.
    await waitFor(() => repliesTo(openId).length === 4, { what: "the rating question after resolution" });
    expect(repliesTo(openId)[3]?.text).toContain("1–5");
    await post(wechatPush(credentials, { openId, text: "怎么开发票" }));
    await waitFor(() => repliesTo(openId).length === 5, { what: "the answer after resolution" });
    expect(repliesTo(openId)[4]?.text).toContain("发票");
  });
});

describe("bad input", () => {
  const inboxSize = () => kefu.stack.inbox.length;

  it("refuses a wrong signature, a stale timestamp, malformed XML and an oversized body, enqueueing nothing", async () => {
    const before = inboxSize();
    const good = wechatPush(credentials, { openId: "o-e2e-bad", text: "hello" });

    const forged = {
      ...good,
      path: good.path.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${"0".repeat(40)}`),
    };
    expect((await post(forged)).status).toBe(401);

    const stale = wechatPush(credentials, {
      openId: "o-e2e-bad",
      text: "hello",
      at: new Date(Date.now() - 3600_000),
    });
    expect((await post(stale)).status).toBe(401);

    const malformed = { ...good, body: "<xml><ToUserName>broken" };
    expect((await post(malformed)).status).toBe(400);

    // The demo account has an EncodingAESKey, so it is in safe mode: a plaintext push is refused even
    // with the valid plain signature of an observed safe-mode query string.
    const plainQuery = new URL(`http://x${good.path}`).searchParams;
    plainQuery.delete("encrypt_type");
    plainQuery.delete("msg_signature");
    const openId = plainQuery.get("openid");
    const downgraded = {
      ...good,
      path: `/webhooks/wechat?${plainQuery}`,
      body: `<xml><ToUserName><![CDATA[gh_kefu_demo]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${plainQuery.get("timestamp")}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[转人工]]></Content><MsgId>1234567890123456789</MsgId></xml>`,
    };
    const refused = await post(downgraded);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: "encryption_mode_refused" });

    const oversized = { ...good, body: `<xml>${"x".repeat(70 * 1024)}</xml>` };
    expect((await post(oversized)).status).toBe(413);

    await settle(1000);
    expect(inboxSize()).toBe(before);
    expect(repliesTo("o-e2e-bad")).toHaveLength(0);
  });
});

describe("a reply the platform keeps refusing", () => {
  it("is retried, then lands in the dead-letter queue, and is never recorded as sent", async () => {
    const openId = "o-e2e-dlq";
    kefu.stack.outbox.injectFault({ channel: "wechat", count: 1000, errcode: -1 });
    try {
      await post(wechatPush(credentials, { openId, text: "怎么申请退货？" }));
      await waitFor(async () => (await getJson<{ messages: number }>("/dev/dlq")).messages >= 1, {
        timeoutMs: 40_000,
        intervalMs: 500,
        what: "the message to reach the DLQ",
      });
      expect(repliesTo(openId)).toHaveLength(0);
      expect(kefu.stack.inbox.filter((m) => m.sender === openId).length).toBeGreaterThanOrEqual(2);
    } finally {
      kefu.stack.outbox.injectFault({ channel: "wechat", count: -1000 });
    }
  }, 60_000);
});
