import { describe, expect, it } from "vitest";
import { smsInbound } from "../../local/platforms/sms";
import { wechatPush } from "../../local/platforms/wechat";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { SmsCredentials } from "../../shared/channels/sms/credentials";
import { smsModule } from "../../shared/channels/sms/module";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { useTestStack } from "../support/stack";
import { waitFor } from "../support/wait";

/**
 * Characters above U+FFFF (emoji, rare CJK ideographs) through the local queue: real SQS accepts them,
 * the fauxqs emulator refuses them, so before the queue body escaped them every such message got a 503
 * that no retry could cure.
 */
const kefu = useTestStack("emoji");
const raw = demoCredentials();

const post = kefu.deliver;
const repliesTo = kefu.repliesTo;
const received = (sender: string) => kefu.stack.inbox.find((m) => m.sender === sender);

describe("a message with an emoji", () => {
  it("is answered on WeChat, and reaches the worker intact", async () => {
    const credentials = credentialsFor(wechatModule, raw) as WeChatCredentials;
    const response = await post(wechatPush(credentials, { openId: "o-emoji", text: "怎么退货？😀" }));
    expect(response.status).toBe(200);
    const [reply] = await waitFor(
      () => repliesTo("wechat", "o-emoji").length > 0 && repliesTo("wechat", "o-emoji"),
      {
        what: "the reply",
      },
    );
    expect(reply?.text).toContain("申请售后");
    expect(received("o-emoji")?.text).toBe("怎么退货？😀");
  });

  it("is answered by SMS, with a supplementary-plane ideograph too", async () => {
    const credentials = credentialsFor(smsModule, raw) as SmsCredentials;
    const customer = "+14255550199";
    const text = "𠮷野家 怎么申请退货？👍🏽";
    const response = await post(smsInbound(credentials, { from: customer, text }));
    expect(response.status).toBe(200);
    await waitFor(() => repliesTo("sms", customer).length > 0, { what: "the reply" });
    expect(received(customer)?.text).toBe(text);
  });
});
