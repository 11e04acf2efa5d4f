import { describe, expect, it } from "vitest";
import { wechatPush } from "../../local/platforms/wechat";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { useTestStack } from "../support/stack";
import { waitFor } from "../support/wait";

/**
 * The worker in a thread of its own (`worker: "thread"`, as in AWS where it is a Lambda of its own): it
 * answers from the queue, and the stack still follows what it received and logged (the inbox, the
 * functions' log records, the message's trace), which cross the thread boundary as messages.
 */
const logged: { message: string; attributes: Record<string, unknown> }[] = [];
const kefu = useTestStack("worker-thread", { worker: "thread", onLog: (record) => logged.push(record) });
const credentials = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;

describe("the worker in its own thread", () => {
  it("answers a WeChat question once, and the stack follows its inbox, logs and trace", async () => {
    const push = wechatPush(credentials, { openId: "o-thread", text: "怎么申请退货？" });
    const response = await fetch(`${kefu.stack.url}${push.path}`, {
      method: "POST",
      headers: push.headers,
      body: push.body,
    });
    expect(response.status).toBe(200);

    const replies = () =>
      kefu.stack.outbox.entries.filter((e) => e.channel === "wechat" && e.to === "o-thread");
    const [reply] = await waitFor(() => replies().length > 0 && replies(), { what: "the reply" });
    expect(reply?.text).toContain("申请售后");
    expect(kefu.stack.inbox.some((m) => m.sender === "o-thread")).toBe(true);

    const processed = await waitFor(
      () => logged.find((r) => r.message === "message processed" && r.attributes.channel === "wechat"),
      { what: "the worker's log record" },
    );
    expect(processed.attributes.action).toBe("answered");
    const trace = await waitFor(
      async () => {
        const found = (await (
          await fetch(`${kefu.stack.url}/dev/traces/${response.headers.get("x-kefu-trace")}`)
        ).json()) as { messages: { status?: string }[] };
        return found.messages[0]?.status === "done" && found;
      },
      { what: "the message's trace done" },
    );
    expect(trace.messages).toHaveLength(1);
  });
});
