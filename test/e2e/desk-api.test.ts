import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cognitoCall } from "../../local/cognito";
import { type PlatformRequest, wechatPush } from "../../local/platforms/wechat";
import type { LocalStack } from "../../local/stack";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { startTestStack } from "../support/stack";
import { waitFor } from "../support/wait";

/**
 * The desk API on the local stack, for real: tokens from cognito-local verified by the handler, a ticket
 * opened by a signed WeChat message, replies through the WeChat sender, resolve, and the bot answering
 * that customer again; the refusals an agent meets (401, 403, 409).
 */
const kefu = { stack: undefined as unknown as LocalStack };
// cognito-local starts beside the stack: more than the default hook time on a busy machine.
beforeAll(async () => {
  kefu.stack = await startTestStack("desk-api", { desk: { build: false } });
}, 180_000);
afterAll(async () => {
  await kefu.stack?.stop();
});
const wechat = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;

async function post(request: PlatformRequest): Promise<Response> {
  return fetch(`${kefu.stack.url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
}

const tokens = new Map<string, string>();
async function signIn(username: string): Promise<string> {
  const cached = tokens.get(username);
  if (cached) return cached;
  const desk = kefu.stack.desk;
  if (!desk) throw new Error("the stack serves no desk");
  const { AuthenticationResult } = await cognitoCall<{ AuthenticationResult: { IdToken: string } }>(
    desk.cognito.endpoint,
    "InitiateAuth",
    {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: desk.cognito.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: desk.password },
    },
  );
  tokens.set(username, AuthenticationResult.IdToken);
  return AuthenticationResult.IdToken;
}

async function api<T = Record<string, unknown>>(
  as: string | { token: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const token = typeof as === "string" ? await signIn(as) : as.token;
  const response = await fetch(`${kefu.stack.url}/desk/api${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

interface Summary {
  ticketId: string;
  status: string;
  assignee?: string;
  customer: { display: string };
  unread: number;
}
interface Detail extends Summary {
  transcript: { role: string; text: string; agent?: string }[];
  constraints: { kind: string; windowEndsAt?: string };
  customer: { display: string; channelId: string; revealable: boolean };
}

const repliesTo = (openId: string) =>
  kefu.stack.outbox.entries.filter((e) => e.channel === "wechat" && e.to === openId);

/** A WeChat customer asks for a person; the ticket the desk lists for it. */
async function handOff(openId: string): Promise<Summary> {
  expect((await post(wechatPush(wechat, { openId, text: "转人工" }))).status).toBe(200);
  return waitFor(
    async () => {
      const { body } = await api<{ tickets: Summary[] }>("agent", "GET", "/tickets?view=unassigned");
      // Listed with the customer's message already on it (one write), never as an empty ticket.
      const found = body.tickets.find(
        (t) => t.customer.display === `wx:${openId.slice(0, 4)}…${openId.slice(-2)}`,
      );
      if (found) expect(found.unread).toBe(1);
      return found;
    },
    { what: "the ticket with the customer's message in the unassigned queue", timeoutMs: 5000 },
  );
}

describe("the desk API on the local stack", () => {
  it("lists a hand-off, shows it masked, sends an agent's reply on WeChat, resolves it, and the bot answers again", async () => {
    const openId = "o6_desk_customer_01";
    const ticket = await handOff(openId);
    expect(ticket.status).toBe("open");
    expect(ticket.unread).toBe(1);

    const detail = await api<Detail>("agent", "GET", `/tickets/${ticket.ticketId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.transcript.map((t) => t.role)).toContain("customer");
    expect(detail.body.customer.channelId).not.toContain(openId);
    expect(detail.body.customer.revealable).toBe(false);
    expect(detail.body.constraints.kind).toBe("weixin");
    expect(Date.parse(detail.body.constraints.windowEndsAt ?? "")).toBeGreaterThan(Date.now());

    const reply = await api<{ turn: { text: string; agent: string }; parts: number }>(
      "agent",
      "POST",
      `/tickets/${ticket.ticketId}/reply`,
      { text: "您好，我是客服小王，马上为您处理。" },
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ turn: { agent: "agent" }, parts: 1 });
    expect(repliesTo(openId).map((e) => e.text)).toContain("您好，我是客服小王，马上为您处理。");
    // The reply took the unassigned ticket.
    const mine = await api<{ tickets: Summary[] }>("agent", "GET", "/tickets?view=mine");
    expect(mine.body.tickets.map((t) => t.ticketId)).toContain(ticket.ticketId);

    expect((await api("agent", "POST", `/tickets/${ticket.ticketId}/read`)).body).toEqual({ unread: 0 });
    const resolved = await api<Summary>("agent", "POST", `/tickets/${ticket.ticketId}/resolve`);
    expect(resolved.body.status).toBe("resolved");

    const late = await api("agent", "POST", `/tickets/${ticket.ticketId}/reply`, { text: "还有别的吗？" });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: "ticket_resolved" });
    expect(String(late.body.messageZh)).toContain("已解决");

    const before = repliesTo(openId).length;
    await post(wechatPush(wechat, { openId, text: "怎么申请退货？" }));
    const [answer] = await waitFor(
      () => repliesTo(openId).length > before && repliesTo(openId).slice(before),
      {
        what: "the bot's answer after the ticket was resolved",
      },
    );
    expect(answer?.text).toContain("申请售后");
  });

  it("delivers two agents' simultaneous replies once each, in the order the transcript records", async () => {
    const openId = "o6_desk_customer_02";
    const ticket = await handOff(openId);
    await api("agent", "POST", `/tickets/${ticket.ticketId}/claim`);
    const texts = ["第一条：正在查询订单。", "第二条：主管补充说明。", "第三条：已为您加急。"];
    const results = await Promise.all([
      api("agent", "POST", `/tickets/${ticket.ticketId}/reply`, { text: texts[0] }),
      api("supervisor", "POST", `/tickets/${ticket.ticketId}/reply`, { text: texts[1] }),
      api("agent", "POST", `/tickets/${ticket.ticketId}/reply`, { text: texts[2] }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const sent = repliesTo(openId)
      .map((e) => e.text)
      .filter((t) => texts.includes(t));
    expect([...sent].sort()).toEqual([...texts].sort());
    const detail = await api<Detail>("agent", "GET", `/tickets/${ticket.ticketId}`);
    const recorded = detail.body.transcript.filter((t) => t.role === "agent").map((t) => t.text);
    expect(recorded).toEqual(sent);
  });

  it("refuses a forged token (401), a missing one (401), and a group's route to others (403)", async () => {
    const token = await signIn("agent");
    const [head, payload] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    claims["cognito:groups"] = ["admin", "supervisor"];
    const forged = `${head}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${token.split(".")[2]}`;
    expect((await api({ token: forged }, "GET", "/faq/versions")).status).toBe(401);
    const anonymous = await fetch(`${kefu.stack.url}/desk/api/tickets`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: "unauthenticated" });

    const denied = await api("agent", "GET", "/faq/versions");
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: "forbidden" });
    expect((await api("admin", "GET", "/faq/versions")).status).toBe(200);
    expect((await api("admin", "GET", "/tickets")).status).toBe(403);
  });

  it("reveals a customer's identity to a supervisor only, and records who did", async () => {
    const openId = "o6_desk_customer_03";
    const ticket = await handOff(openId);
    const path = `/tickets/${ticket.ticketId}/reveal`;
    expect((await api("agent", "POST", path, { field: "customer" })).status).toBe(403);
    const revealed = await api<{ value: string }>("supervisor", "POST", path, { field: "customer" });
    expect(revealed.body.value).toBe(openId);
    const detail = await api<Detail>("agent", "GET", `/tickets/${ticket.ticketId}`);
    expect(detail.body.transcript).toContainEqual(
      expect.objectContaining({
        role: "system",
        agent: "supervisor",
        text: expect.stringContaining("revealed"),
      }),
    );
  });

  it("answers 422 with the fields for a bad body and 404 for an unknown ticket", async () => {
    const ticket = await handOff("o6_desk_customer_04");
    const empty = await api("agent", "POST", `/tickets/${ticket.ticketId}/reply`, { text: "   " });
    expect(empty.status).toBe(422);
    expect(empty.body).toMatchObject({ error: "validation_failed", fields: { text: expect.any(String) } });
    expect((await api("agent", "GET", "/tickets/KF-NOSUCH00")).status).toBe(404);
  });
});
