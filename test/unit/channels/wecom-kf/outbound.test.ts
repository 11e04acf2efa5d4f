import { describe, expect, it } from "vitest";
import {
  createWeComKfOutbound,
  KF_MAX_PARTS,
  KF_TEXT_MAX_BYTES,
  kfMsgId,
  renderKf,
} from "../../../../shared/channels/wecom-kf/outbound";
import { type ApiBody, WeComApiError, type WeixinClient } from "../../../../shared/channels/weixin/api";
import { ChannelApiError } from "../../../../shared/core/errors";
import type { OutboundMessage } from "../../../../shared/core/message";

const OPEN_KFID = "wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q";
const USER = "wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw";

interface Call {
  path: string;
  payload: Record<string, unknown>;
}

/** A 微信客服 API with one customer's session state; records every call. */
function fakeApi(initialState: number, options: { failTrans3?: boolean } = {}) {
  const calls: Call[] = [];
  /** The calls made as safe to repeat after an unknown outcome. */
  const repeatable: string[] = [];
  let state = initialState;
  const client: WeixinClient = {
    async post(path, payload, _name, callOptions): Promise<ApiBody> {
      const body = payload as Record<string, unknown>;
      calls.push({ path, payload: body });
      if (callOptions?.idempotent) repeatable.push(path);
      switch (path) {
        case "/cgi-bin/kf/service_state/get":
          return { errcode: 0, service_state: state };
        case "/cgi-bin/kf/service_state/trans":
          if (body.service_state === 3 && options.failTrans3) {
            throw new WeComApiError("servicer not on duty", 95014, { retryable: false });
          }
          state = Number(body.service_state);
          return { errcode: 0 };
        default:
          return { errcode: 0, msgid: "m" };
      }
    },
  };
  return { client, calls, repeatable, state: () => state };
}

function reply(
  text: string,
  replyContext: Record<string, string> = { open_kfid: OPEN_KFID },
): OutboundMessage {
  return { channel: "wecom-kf", conversationKey: "k", to: USER, from: OPEN_KFID, text, replyContext };
}

describe("session state rules", () => {
  it.each([0, 1])("sends with kf/send_msg when the session is in state %i", async (state) => {
    const api = fakeApi(state);
    await createWeComKfOutbound({ client: api.client }).send(reply("**您好**"));
    expect(api.calls.map((c) => c.path)).toEqual(["/cgi-bin/kf/service_state/get", "/cgi-bin/kf/send_msg"]);
    expect(api.calls[0]?.payload).toEqual({ open_kfid: OPEN_KFID, external_userid: USER });
    expect(api.calls[1]?.payload).toEqual({
      touser: USER,
      open_kfid: OPEN_KFID,
      msgid: kfMsgId(reply("**您好**"), 0, "您好"),
      msgtype: "text",
      text: { content: "您好" },
    });
  });

  it("names every part with a msgid of its own, the same on every attempt, so a repeat is safe", async () => {
    const api = fakeApi(1);
    const adapter = createWeComKfOutbound({ client: api.client });
    const long = "长".repeat(1200);
    await adapter.send(reply(long));
    await adapter.send(reply(long));
    const sends = api.calls.filter((c) => c.path === "/cgi-bin/kf/send_msg");
    const ids = sends.map((c) => String(c.payload.msgid));
    expect(ids).toHaveLength(4);
    for (const id of ids) expect(id).toMatch(/^[0-9a-zA-Z_-]{1,32}$/);
    // Two parts, two ids; the same reply again (a redelivery), the same two ids.
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids.slice(2)).toEqual(ids.slice(0, 2));
    // Another message answered with the same text is another send.
    expect(kfMsgId({ ...reply(long), inReplyTo: "other" }, 0, "x")).not.toBe(kfMsgId(reply(long), 0, "x"));
    // The platform dedups by msgid, so a send whose answer never came is tried again at once.
    expect(api.repeatable.filter((path) => path === "/cgi-bin/kf/send_msg")).toHaveLength(4);
  });

  it.each([2, 3, 4])("stays silent in state %i with a refusal that is not retried", async (state) => {
    const api = fakeApi(state);
    const error = await createWeComKfOutbound({ client: api.client })
      .send(reply("hello"))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ChannelApiError);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/stays silent/);
    expect(api.calls.map((c) => c.path)).toEqual(["/cgi-bin/kf/service_state/get"]);
  });

  it("refuses a reply without an open_kfid, for good", async () => {
    const api = fakeApi(0);
    const message = { ...reply("hi", {}), from: undefined };
    await expect(createWeComKfOutbound({ client: api.client }).send(message)).rejects.toMatchObject({
      retryable: false,
    });
  });
});

describe("welcome", () => {
  it("uses send_msg_on_event with the welcome_code, without a state check", async () => {
    const api = fakeApi(4);
    await createWeComKfOutbound({ client: api.client }).send(
      reply("您好，我是智能客服助手（AI）。", { open_kfid: OPEN_KFID, welcome_code: "aaaaaa" }),
    );
    expect(api.calls).toEqual([
      {
        path: "/cgi-bin/kf/send_msg_on_event",
        payload: { code: "aaaaaa", msgtype: "text", text: { content: "您好，我是智能客服助手（AI）。" } },
      },
    ]);
  });

  it("fits a long welcome into the one message the code allows", async () => {
    const api = fakeApi(0);
    await createWeComKfOutbound({ client: api.client }).send(
      reply("欢迎。".repeat(1000), { open_kfid: OPEN_KFID, welcome_code: "c" }),
    );
    const content = String((api.calls[0]?.payload.text as { content?: string } | undefined)?.content);
    expect(api.calls).toHaveLength(1);
    expect(Buffer.byteLength(content, "utf8")).toBeLessThanOrEqual(KF_TEXT_MAX_BYTES);
    expect(content.endsWith("…")).toBe(true);
  });
});

describe("hand-off", () => {
  it("moves the session to the reception pool (state 2) without a configured servicer", async () => {
    const api = fakeApi(1);
    await createWeComKfOutbound({ client: api.client }).handoff?.(reply("转人工"), "KF-1");
    expect(api.calls[1]).toEqual({
      path: "/cgi-bin/kf/service_state/trans",
      payload: { open_kfid: OPEN_KFID, external_userid: USER, service_state: 2 },
    });
    expect(api.state()).toBe(2);
  });

  it("gives the session to the configured servicer (state 3), or the pool when that fails", async () => {
    const direct = fakeApi(0);
    await createWeComKfOutbound({ client: direct.client, servicerUserId: "LiSi" }).handoff?.(
      reply("x"),
      "KF-1",
    );
    expect(direct.calls[1]?.payload).toMatchObject({ service_state: 3, servicer_userid: "LiSi" });

    const offDuty = fakeApi(0, { failTrans3: true });
    await createWeComKfOutbound({ client: offDuty.client, servicerUserId: "LiSi" }).handoff?.(
      reply("x"),
      "KF-1",
    );
    expect(offDuty.state()).toBe(2);
  });

  it("leaves a session that a person already holds alone", async () => {
    const api = fakeApi(3);
    await createWeComKfOutbound({ client: api.client }).handoff?.(reply("x"), "KF-1");
    expect(api.calls.map((c) => c.path)).toEqual(["/cgi-bin/kf/service_state/get"]);
  });
});

describe("rendering", () => {
  it("strips markdown and splits at 2048 bytes", () => {
    const parts = renderKf(`# 标题\n${"发货时间说明。".repeat(300)}`);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts[0]?.startsWith("标题\n")).toBe(true);
    for (const part of parts) expect(Buffer.byteLength(part, "utf8")).toBeLessThanOrEqual(KF_TEXT_MAX_BYTES);
  });

  it("never renders more than 5 messages for one customer message", () => {
    // Many short paragraphs: the splitter's preference for paragraph breaks would make too many parts.
    const paragraphs = Array.from({ length: 40 }, (_, i) => `第${i + 1}条：${"说明".repeat(120)}`);
    const parts = renderKf(paragraphs.join("\n\n"));
    expect(parts.length).toBeLessThanOrEqual(KF_MAX_PARTS);
    for (const part of parts) expect(Buffer.byteLength(part, "utf8")).toBeLessThanOrEqual(KF_TEXT_MAX_BYTES);
    expect(parts.join("\n")).toContain("第1条");
    expect(parts.at(-1)?.endsWith("…")).toBe(true);
  });

  it("keeps a reply that fits in 5 parts whole", () => {
    const text = Array.from({ length: 5 }, (_, i) => `${i}${"短".repeat(600)}`).join("\n\n");
    const parts = renderKf(text);
    expect(parts).toHaveLength(5);
    expect(parts.join("")).not.toContain("…");
  });
});

describe("multi-part replies across attempts", () => {
  it("checks the session again and sends only the parts an earlier attempt did not", async () => {
    const text = "您的订单已经打包完毕，预计明天送达。".repeat(300);
    const parts = renderKf(text);
    expect(parts.length).toBe(KF_MAX_PARTS);
    const api = fakeApi(1);
    const reported: number[] = [];
    await createWeComKfOutbound({ client: api.client }).send(reply(text), {
      partsSent: 3,
      async onPartSent(sent) {
        reported.push(sent);
      },
    });
    expect(api.calls.map((c) => c.path)).toEqual([
      "/cgi-bin/kf/service_state/get",
      "/cgi-bin/kf/send_msg",
      "/cgi-bin/kf/send_msg",
    ]);
    expect(api.calls.slice(1).map((c) => (c.payload.text as { content: string }).content)).toEqual(
      parts.slice(3),
    );
    expect(reported).toEqual([4, 5]);
  });
});
