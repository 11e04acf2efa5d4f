import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { cognitoCall } from "../../local/cognito";
import { dynamoClient } from "../../local/emulators";
import { wechatPush } from "../../local/platforms/wechat";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { TABLES } from "../../shared/resources";
import { useTestStack } from "../support/stack";
import { waitFor } from "../support/wait";

/**
 * The desk API on the local stack, for real: tokens from cognito-local verified by the handler, a ticket
 * opened by a signed WeChat message, replies through the WeChat sender, resolve, and the bot answering
 * that customer again; the refusals an agent meets (401, 403, 409).
 */
const kefu = useTestStack("desk-api", { desk: { build: false } });
const wechat = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;
const { deliver: post, desk } = kefu;
const { api, token: signIn } = desk;

interface Summary {
  ticketId: string;
  status: string;
  assignee?: string;
  customer: { display: string };
  unread: number;
}
interface Detail extends Summary {
  transcript: { role: string; text: string; agent?: string }[];
  sla: { firstResponseDueAt?: string; firstRespondedAt?: string };
  csatAskedAt?: string;
  csat?: { score: number; comment?: string };
  constraints: { kind: string; windowEndsAt?: string };
  customer: { display: string; channelId: string; revealable: boolean };
}

const repliesTo = (openId: string) => kefu.repliesTo("wechat", openId);

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

    const reply = await api<{ turn: { text: string; agent: string; at: string }; parts: number }>(
      "agent",
      "POST",
      `/tickets/${ticket.ticketId}/reply`,
      { text: "您好，我是客服小王，马上为您处理。" },
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ turn: { agent: "agent" }, parts: 1 });
    expect(repliesTo(openId).map((e) => e.text)).toContain("您好，我是客服小王，马上为您处理。");
    // The first human response is on the SLA clock: the first-response deadline is met.
    const answered = await api<Detail>("agent", "GET", `/tickets/${ticket.ticketId}`);
    expect(answered.body.sla.firstResponseDueAt).toBeDefined();
    expect(answered.body.sla.firstRespondedAt).toBe(reply.body.turn.at);
    // Where the SLA clock reads it (the ticket's `sla`), so no first-response breach is recorded.
    const doc = DynamoDBDocumentClient.from(dynamoClient(kefu.stack.env.KEFU_DYNAMODB_ENDPOINT ?? ""));
    const { Item } = await doc.send(
      new GetCommand({
        TableName: kefu.stack.env[TABLES.tickets.envVar],
        Key: { ticketId: ticket.ticketId },
      }),
    );
    expect(Item?.sla).toMatchObject({ firstRespondedAt: reply.body.turn.at });
    // The reply took the unassigned ticket.
    const mine = await api<{ tickets: Summary[] }>("agent", "GET", "/tickets?view=mine");
    expect(mine.body.tickets.map((t) => t.ticketId)).toContain(ticket.ticketId);

    expect((await api("agent", "POST", `/tickets/${ticket.ticketId}/read`)).body).toEqual({ unread: 0 });
    const resolved = await api<Summary>("agent", "POST", `/tickets/${ticket.ticketId}/resolve`);
    expect(resolved.body.status).toBe("resolved");
    // The customer is asked on WeChat to rate the help; their answer is the rating, not a question.
    const question = repliesTo(openId).at(-1)?.text ?? "";
    expect(question).toContain(ticket.ticketId);
    expect(question).toContain("1–5");
    expect((await api<Detail>("agent", "GET", `/tickets/${ticket.ticketId}`)).body.csatAskedAt).toBeDefined();
    const asked = repliesTo(openId).length;
    await post(wechatPush(wechat, { openId, text: "5 很满意" }));
    const rated = await waitFor(
      async () => (await api<Detail>("agent", "GET", `/tickets/${ticket.ticketId}`)).body.csat,
      { what: "the customer's rating on the ticket" },
    );
    expect(rated).toMatchObject({ score: 5 });
    expect(
      repliesTo(openId)
        .slice(asked)
        .map((e) => e.text),
    ).not.toContainEqual(expect.stringContaining("[handoff"));

    const late = await api("agent", "POST", `/tickets/${ticket.ticketId}/reply`, { text: "还有别的吗？" });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: "ticket_resolved" });
    expect(String(late.body.messageZh)).toContain("已解决");

    const before = repliesTo(openId).length;
    expect((await post(wechatPush(wechat, { openId, text: "怎么申请退货？" }))).status).toBe(200);
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

  it("takes a taught phrasing from an agent, refuses the agent's approval, and the bot answers it once a supervisor approves", async () => {
    const wording = "拍错的那一单我想作废掉";
    const cancelAnswer = "订单在发货前可以自行取消";
    // Before: the bot does not know this wording as the cancel question.
    const stranger = "o6_desk_teach_before";
    await post(wechatPush(wechat, { openId: stranger, text: wording }));
    const [first] = await waitFor(() => repliesTo(stranger).length > 0 && repliesTo(stranger), {
      what: "the bot's reply to the untaught wording",
    });
    expect(first?.text).not.toContain(cancelAnswer);

    const ticket = await handOff("o6_desk_teach_01");
    const taught = await api<{ id: string; status: string; author: string }>(
      "agent",
      "POST",
      `/tickets/${ticket.ticketId}/teach`,
      { kind: "phrasing", faqId: "zh-order-cancel", text: wording },
    );
    expect(taught.status).toBe(201);
    expect(taught.body).toMatchObject({ status: "pending", author: "agent" });
    const mine = await api<{ changes: { id: string }[] }>("agent", "GET", "/changes?status=pending");
    expect(mine.body.changes.map((c) => c.id)).toContain(taught.body.id);

    const refused = await api("agent", "POST", `/changes/${taught.body.id}/approve`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: "forbidden" });

    const approved = await api<{ status: string; upload: string }>(
      "supervisor",
      "POST",
      `/changes/${taught.body.id}/approve`,
    );
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe("approved");
    const report = (await kefu.stack.waitForReport(approved.body.upload)) as { status: string };
    expect(report.status).toBe("applied");
    expect((await api("supervisor", "POST", `/changes/${taught.body.id}/approve`)).status).toBe(409);

    const customer = "o6_desk_teach_after";
    await waitFor(
      async () => {
        const before = repliesTo(customer).length;
        await post(wechatPush(wechat, { openId: customer, text: wording }));
        const [reply] = await waitFor(
          () => repliesTo(customer).length > before && repliesTo(customer).slice(before),
          { what: "the bot's reply to the taught wording" },
        );
        return reply?.text.includes(cancelAnswer);
      },
      { what: "the bot answering the taught wording with the FAQ's answer", timeoutMs: 20_000 },
    );
  });

  it("records a customer's pick of a clarify option as a suggestion, taught to the entry picked in one click", async () => {
    // "怎么退" gets three options from the example FAQ; the customer picks the first.
    const customer = "o6_desk_pick_01";
    await post(wechatPush(wechat, { openId: customer, text: "怎么退" }));
    const [options] = await waitFor(() => repliesTo(customer).length > 0 && repliesTo(customer), {
      what: "the bot's options",
    });
    expect(options?.text).toContain("1. 怎么申请退货？");
    await post(wechatPush(wechat, { openId: customer, text: "1" }));
    await waitFor(() => repliesTo(customer).length > 1, { what: "the answer to the pick" });
    expect(repliesTo(customer)[1]?.text).toContain("退货");

    interface Listed {
      suggestions: {
        id: string;
        count: number;
        reasons: Record<string, number>;
        examples: string[];
        picked?: { faqId: string; question: string };
      }[];
    }
    const picked = await waitFor(
      async () => {
        const { body } = await api<Listed>("supervisor", "GET", "/insights/suggestions");
        return body.suggestions.find((s) => s.picked?.faqId === "zh-return-how");
      },
      { what: "the pick among the suggestions" },
    );
    expect(picked).toMatchObject({
      count: 1,
      reasons: { picked: 1 },
      examples: ["怎么退"],
      picked: { faqId: "zh-return-how", question: "怎么申请退货？" },
    });
    // Supervisors only, as every suggestion.
    expect((await api("agent", "GET", "/insights/suggestions")).status).toBe(403);

    const taught = await api<{ changes: { id: string }[] }>(
      "supervisor",
      "POST",
      `/insights/suggestions/${picked?.id}/phrasings`,
      { faqId: "zh-return-how", texts: picked?.examples },
    );
    expect(taught.status).toBe(201);
    const { body: after } = await api<Listed>("supervisor", "GET", "/insights/suggestions");
    expect(after.suggestions.some((s) => s.id === picked?.id)).toBe(false);
    const approved = await api<{ upload: string }>(
      "supervisor",
      "POST",
      `/changes/${taught.body.changes[0]?.id}/approve`,
    );
    expect(approved.status).toBe(200);
    expect(((await kefu.stack.waitForReport(approved.body.upload)) as { status: string }).status).toBe(
      "applied",
    );

    // Approved: the next customer's "怎么退" is answered at once, no options.
    const next = "o6_desk_pick_02";
    await waitFor(
      async () => {
        const before = repliesTo(next).length;
        await post(wechatPush(wechat, { openId: next, text: "怎么退" }));
        const [reply] = await waitFor(
          () => repliesTo(next).length > before && repliesTo(next).slice(before),
          {
            what: "the bot's reply to the taught wording",
          },
        );
        return !reply?.text.includes("1. ") && reply?.text.includes("退货");
      },
      { what: "the taught wording answered directly", timeoutMs: 20_000 },
    );
  });

  it("lets an agent go online and a supervisor list and configure agents; an agent may not", async () => {
    const online = await api<{ status: string }>("agent", "PUT", "/me/status", { status: "online" });
    expect(online.status).toBe(200);
    expect((await api<{ status: string }>("agent", "GET", "/me")).body).toMatchObject({
      id: "agent",
      status: "online",
    });
    expect((await api("agent", "GET", "/agents")).status).toBe(403);
    const configured = await api("supervisor", "PUT", "/agents/agent", {
      skills: ["lang:zh"],
      maxConcurrent: 3,
    });
    expect(configured.status).toBe(200);
    const listed = await api<{ agents: { id: string; skills: string[] }[] }>("supervisor", "GET", "/agents");
    expect(listed.body.agents).toContainEqual(expect.objectContaining({ id: "agent", skills: ["lang:zh"] }));
    expect((await api("supervisor", "PUT", "/agents/agent", { groups: ["admin"] })).status).toBe(403);
    expect((await api("agent", "PUT", "/me/status", { status: "away" })).status).toBe(200);
  });

  it("lists the Cognito group members, also those never configured, with Cognito's groups", async () => {
    const cognito = kefu.stack.desk?.cognito;
    if (!cognito) throw new Error("the stack serves no desk");
    const pool = { UserPoolId: cognito.userPoolId };
    // A new agent invited as the README says: in Cognito and its group, never signed in, no record.
    await cognitoCall(cognito.endpoint, "AdminCreateUser", {
      ...pool,
      Username: "zhao",
      UserAttributes: [{ Name: "name", Value: "赵敏" }],
      MessageAction: "SUPPRESS",
    });
    await cognitoCall(cognito.endpoint, "AdminAddUserToGroup", {
      ...pool,
      Username: "zhao",
      GroupName: "agent",
    });
    await cognitoCall(cognito.endpoint, "AdminAddUserToGroup", {
      ...pool,
      Username: "zhao",
      GroupName: "pii",
    });
    const listed = await api<{ agents: { id: string }[] }>("supervisor", "GET", "/agents");
    expect(listed.status).toBe(200);
    expect(listed.body.agents).toContainEqual({
      id: "zhao",
      displayName: "赵敏",
      groups: ["agent", "pii"],
      skills: [],
      status: "away",
      maxConcurrent: 5,
      openTickets: 0,
    });
    const ids = listed.body.agents.map((a) => a.id);
    expect(ids).toEqual(expect.arrayContaining(["agent", "supervisor"]));
    // The demo admin manages the knowledge base and is in no agent group.
    expect(ids).not.toContain("admin");
    // The admin, who changes groups, lists the same people (the supervisor's list, not a 403).
    const byAdmin = await api<{ agents: { id: string }[] }>("admin", "GET", "/agents");
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.agents.map((a) => a.id)).toEqual(ids);

    // An admin makes zhao a supervisor without PII access: Cognito's groups change (the ones the
    // tokens carry), then the agents table.
    const changed = await api("admin", "PUT", "/agents/zhao", { groups: ["agent", "supervisor"] });
    expect(changed.status).toBe(200);
    const inCognito = (await cognitoCall(cognito.endpoint, "AdminListGroupsForUser", {
      ...pool,
      Username: "zhao",
    })) as { Groups?: { GroupName?: string }[] };
    expect((inCognito.Groups ?? []).map((g) => g.GroupName).sort()).toEqual(["agent", "supervisor"]);
    const relisted = await api<{ agents: { id: string; groups: string[] }[] }>(
      "supervisor",
      "GET",
      "/agents",
    );
    expect(relisted.body.agents.find((a) => a.id === "zhao")?.groups.sort()).toEqual(["agent", "supervisor"]);
    // Someone Cognito does not know gets no record.
    expect((await api("admin", "PUT", "/agents/nobody", { groups: ["agent"] })).status).toBe(404);
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

  it("offers the bot's candidates' approved answers as drafts (no model draft locally) and records which was used", async () => {
    const openId = "o6_desk_customer_05";
    // A question the bot has candidates for but cannot answer or offer: a low-confidence hand-off.
    expect((await post(wechatPush(wechat, { openId, text: "商品到手价和页面不一样" }))).status).toBe(200);
    const ticket = await waitFor(
      async () =>
        (await api<{ tickets: Summary[] }>("agent", "GET", "/tickets?view=unassigned")).body.tickets.find(
          (t) => t.customer.display === `wx:${openId.slice(0, 4)}…${openId.slice(-2)}`,
        ),
      { what: "the ticket", timeoutMs: 5000 },
    );
    const { body } = await api<{ suggestions: { id: string; kind: string; text: string }[] }>(
      "agent",
      "GET",
      `/tickets/${ticket.ticketId}/suggestions`,
    );
    expect(body.suggestions.length).toBeGreaterThan(0);
    expect(body.suggestions.every((s) => s.kind === "faq")).toBe(true);
    const [offered] = body.suggestions;
    if (!offered) throw new Error("no suggestion");
    const path = `/tickets/${ticket.ticketId}/reply`;
    const asOffered = await api<{ turn: { suggestion?: unknown } }>("agent", "POST", path, {
      text: offered.text,
      suggestionId: offered.id,
      suggestionText: offered.text,
    });
    expect(asOffered.body.turn.suggestion).toEqual({ kind: "faq", id: offered.id, edited: false });
    const edited = await api<{ turn: { suggestion?: unknown } }>("agent", "POST", path, {
      text: `${offered.text} 有问题随时找我。`,
      suggestionId: offered.id,
      suggestionText: offered.text,
    });
    expect(edited.body.turn.suggestion).toEqual({ kind: "faq", id: offered.id, edited: true });
  });

  it("answers 422 with the fields for a bad body and 404 for an unknown ticket", async () => {
    const ticket = await handOff("o6_desk_customer_04");
    const empty = await api("agent", "POST", `/tickets/${ticket.ticketId}/reply`, { text: "   " });
    expect(empty.status).toBe(422);
    expect(empty.body).toMatchObject({ error: "validation_failed", fields: { text: expect.any(String) } });
    expect((await api("agent", "GET", "/tickets/KF-NOSUCH00")).status).toBe(404);
  });
});
