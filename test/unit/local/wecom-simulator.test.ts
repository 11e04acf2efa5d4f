import { describe, expect, it } from "vitest";
import { Outbox } from "../../../local/simulator/outbox";
import { wecomSimulator } from "../../../local/simulator/wecom";
import { credentialsFor, demoCredentials } from "../../../shared/channels/registry";
import type { WeComCredentials } from "../../../shared/channels/wecom/credentials";
import { wecomModule } from "../../../shared/channels/wecom/module";

/**
 * The simulator keeps WeCom's duplicate check (发送应用消息 `enable_duplicate_check`): the sender relies
 * on it to repeat a send whose answer never came, so a simulator without it shows replies twice that the
 * platform would have delivered once.
 */
describe("the WeCom simulator's message/send", () => {
  const credentials = credentialsFor(wecomModule, demoCredentials()) as WeComCredentials;

  function simulator() {
    const outbox = new Outbox();
    const sim = wecomSimulator(credentials, outbox);
    const token = sim.handle({
      method: "GET",
      path: "/cgi-bin/gettoken",
      query: new URLSearchParams({
        corpid: credentials.KEFU_WECOM_CORP_ID,
        corpsecret: credentials.KEFU_WECOM_SECRET,
      }),
      body: "",
    }) as { body: { access_token: string } };
    const send = (body: object) =>
      sim.handle({
        method: "POST",
        path: "/cgi-bin/message/send",
        query: new URLSearchParams({ access_token: token.body.access_token }),
        body: JSON.stringify(body),
      }) as { body: { errcode: number } };
    return { outbox, send };
  }

  const message = (content: string, extra: object = {}) => ({
    touser: "zhangsan",
    msgtype: "text",
    agentid: Number(credentials.KEFU_WECOM_AGENT_ID),
    text: { content },
    ...extra,
  });

  it("delivers an identical checked request once within its interval, and answers ok", () => {
    const { outbox, send } = simulator();
    const checked = message("您好", { enable_duplicate_check: 1, duplicate_check_interval: 1800 });
    expect(send(checked).body.errcode).toBe(0);
    expect(send(checked).body.errcode).toBe(0);
    expect(outbox.entries).toHaveLength(1);
    // Another request (here another interval, as the sender sets per reply) is another message.
    send(message("您好", { enable_duplicate_check: 1, duplicate_check_interval: 1801 }));
    expect(outbox.entries).toHaveLength(2);
  });

  it("delivers every unchecked request", () => {
    const { outbox, send } = simulator();
    send(message("您好"));
    send(message("您好"));
    expect(outbox.entries).toHaveLength(2);
  });
});
