import { describe, expect, it } from "vitest";
import { type PlatformRequest, wechatPush } from "../../local/platforms/wechat";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { DEFAULT_TEXTS } from "../../shared/core/texts";
import { useTestStack } from "../support/stack";
import { settle, waitFor } from "../support/wait";

/**
 * Small talk and anger through the whole local stack (webhook → queue → worker with the seed KB →
 * WeChat simulator): small talk never opens a ticket; anger does, with its priority, and the customer's
 * hand-off notice opens with an apology.
 */
const kefu = useTestStack("wechat");
const credentials = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;

async function post(request: PlatformRequest): Promise<void> {
  expect((await kefu.deliver(request)).status).toBe(200);
}

const repliesTo = (openId: string) => kefu.repliesTo("wechat", openId);

type TicketView = { conversationKey: string; reason: string; priority: string };
const ticketsOf = async (openId: string) =>
  ((await (await fetch(`${kefu.stack.url}/dev/tickets`)).json()) as TicketView[]).filter((t) =>
    t.conversationKey.endsWith(`:${openId}`),
  );

describe("conversation quality on WeChat", () => {
  it("answers greetings, thanks and goodbyes without a ticket", async () => {
    const openId = "o-e2e-smalltalk";
    const turns = ["你好", "谢谢", "拜拜"];
    for (const [i, text] of turns.entries()) {
      await post(wechatPush(credentials, { openId, text }));
      await waitFor(() => repliesTo(openId).length === i + 1, { what: `the reply to ${text}` });
    }
    const [greeting, thanks, goodbye] = repliesTo(openId).map((r) => r.text);
    expect(greeting).toContain("物流配送");
    expect(thanks).toBe(DEFAULT_TEXTS.zh.thanks);
    expect(goodbye).toBe(DEFAULT_TEXTS.zh.goodbye);
    await settle(500);
    expect(await ticketsOf(openId)).toEqual([]);
  });

  it("hands an angry customer to a person at high priority, opening with an apology", async () => {
    const openId = "o-e2e-anger";
    await post(wechatPush(credentials, { openId, text: "你们这什么破服务！！气死我了…" }));
    const [reply] = await waitFor(() => repliesTo(openId).length > 0 && repliesTo(openId), {
      what: "the hand-off notice",
    });
    expect(reply?.text).toContain(DEFAULT_TEXTS.zh.apology);
    const [ticket] = await waitFor(
      async () => {
        const tickets = await ticketsOf(openId);
        return tickets.length > 0 && tickets;
      },
      { what: "the ticket" },
    );
    expect(ticket).toMatchObject({ reason: "negative_sentiment", priority: "high" });
  });
});
