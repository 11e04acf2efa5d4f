import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../local/emulators";
import { wechatPush } from "../../local/platforms/wechat";
import type { LocalStack } from "../../local/stack";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { startTestStack } from "../support/stack";
import { waitFor } from "../support/wait";

/**
 * A platform delivers as soon as the port answers, while the stack is still importing the FAQ: the
 * message must wait for the knowledge base (503 + Retry-After, which platforms retry), not be handed
 * off for want of candidates.
 */
let stack: LocalStack | undefined;
afterAll(async () => {
  await stack?.stop();
});

describe("a message sent as soon as the port answers", () => {
  it("is answered from the FAQ once the stack is ready, not handed off with no_candidates", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const starting = startTestStack("ready", { port });
    starting.then(
      (s) => {
        stack = s;
      },
      () => {},
    );
    await waitFor(
      () =>
        fetch(`${url}/health`).then(
          () => true,
          () => false,
        ),
      {
        timeoutMs: 60_000,
        intervalMs: 20,
        what: "the port to answer",
      },
    );

    const openId = "o-ready-early";
    const credentials = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;
    const push = wechatPush(credentials, { openId, text: "怎么申请退货？" });
    const statuses: number[] = [];
    // As WeChat does: the same delivery again while the answer is not 200.
    for (;;) {
      const response = await fetch(`${url}${push.path}`, {
        method: "POST",
        headers: push.headers,
        body: push.body,
      });
      statuses.push(response.status);
      if (response.status !== 503) break;
      expect(response.headers.get("retry-after")).toBe("1");
      expect(await response.json()).toMatchObject({ error: "starting" });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(statuses.at(-1)).toBe(200);
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });

    await starting;
    const reply = await waitFor(() => stack?.outbox.entries.find((e) => e.to === openId), {
      what: "the reply",
    });
    expect(reply.text).toContain("申请售后");
    const tickets = (await (await fetch(`${url}/dev/tickets`)).json()) as {
      conversationKey: string;
      reason: string;
    }[];
    expect(tickets.filter((t) => t.conversationKey.endsWith(`:${openId}`))).toEqual([]);
  }, 120_000);

  it("GET / says what is served", async () => {
    const index = await fetch(`${stack?.url}/`);
    expect(index.status).toBe(200);
    const body = (await index.json()) as { ready: boolean; webhooks: Record<string, string>; routes: object };
    expect(body.ready).toBe(true);
    expect(body.webhooks.wechat).toBe(`${stack?.url}/webhooks/wechat`);
    expect(Object.keys(body.webhooks).sort()).toEqual(
      ["dingtalk", "email", "sms", "twilio", "wechat", "wecom", "wecom-kf"].sort(),
    );
    expect(body.routes).toHaveProperty(["GET /ready"]);
  });
});
