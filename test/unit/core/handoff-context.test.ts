import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { kbRoutes } from "../../../functions/desk-api/routes/kb";
import { detailOf, summaryOf } from "../../../functions/desk-api/views";
import { createLocalEngine } from "../../../shared/ai/local-engine";
import type { FaqEntry } from "../../../shared/core/faq";
import { processMessage } from "../../../shared/core/pipeline";
import type { Ticket } from "../../../shared/core/ticket";
import { createLexicalRetriever } from "../../../shared/kb/lexical";
import { suggest, topUnanswered, unansweredFromTickets } from "../../../shared/kb/suggestions";
import { inbound, pipelineDeps } from "../../support/fakes";
import { REPO_ROOT } from "../../support/shared-data";

/**
 * A hand-off the customer accepted after rejecting the entries offered ("都不是", then "是的") keeps the
 * question and the entries: on the ticket, in the desk, and in the learning loop.
 */

const entries: FaqEntry[] = readFileSync(resolve(REPO_ROOT, "local/seed/faq.example.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => {
    const { similar_questions, ...entry } = JSON.parse(line);
    return { ...entry, similarQuestions: similar_questions ?? [] };
  });

const QUESTION = "我的快递被狗叼走了怎么赔偿";

/** One pipeline (one set of stores) that several customers can talk to. */
function bot() {
  const { deps, tickets, conversations } = pipelineDeps(createLocalEngine(entries));
  const say = (conversationKey: string, text: string) =>
    processMessage(inbound({ text, conversationKey, sender: { id: conversationKey } }), deps);
  const all = () => [...tickets.items.values()] as Ticket[];
  return { say, tickets, conversations, all };
}

/** The trial's steps: a question, entries offered, "none of these", a person offered, "yes". */
async function rejectThenAccept(say: ReturnType<typeof bot>["say"], key: string) {
  const clarified = await say(key, QUESTION);
  expect(clarified).toMatchObject({ action: "clarified" });
  expect(await say(key, "都不是")).toEqual({ action: "out_of_scope", offered: true });
  const handedOff = await say(key, "是的");
  expect(handedOff).toMatchObject({ action: "handed_off", reason: "customer_request" });
  return { offered: (clarified as { options: string[] }).options };
}

describe("a person accepted after the entries offered were rejected", () => {
  it("opens the ticket with the question asked and the rejected entries as candidates", async () => {
    const { say, all, conversations } = bot();
    const { offered } = await rejectThenAccept(say, "wechat:gh:dog");
    expect(offered).toHaveLength(3);
    const [ticket] = all();
    expect(ticket).toMatchObject({
      reason: "customer_request",
      detail: "accepted_offer",
      question: QUESTION,
    });
    expect(ticket?.candidates.map((c) => c.faqId)).toEqual(offered);
    for (const candidate of ticket?.candidates ?? []) {
      expect(candidate).toMatchObject({ score: 0, rejectedByCustomer: true });
      // The entry's question as the customer was offered it.
      expect(candidate.matchedQuestion).toBe(entries.find((e) => e.id === candidate.faqId)?.question);
    }
    // The whole exchange is there too, the "yes" last of the customer's turns.
    expect(ticket?.transcript.filter((t) => t.role === "customer").map((t) => t.text)).toEqual([
      QUESTION,
      "都不是",
      "是的",
    ]);
    // The ticket took the offer: the conversation forgets it.
    expect((await conversations.get("wechat:gh:dog"))?.offeredFor).toBeUndefined();
  });

  it("keeps the customer's own words, not a follow-up joined to an earlier question", async () => {
    const { say, all, conversations } = bot();
    expect(await say("wechat:gh:follow", "怎么申请退货？")).toMatchObject({ action: "answered" });
    expect(await say("wechat:gh:follow", QUESTION)).toMatchObject({ action: "clarified" });
    // Read as a follow-up of the answer before: the engine's question is the two joined.
    expect((await conversations.get("wechat:gh:follow"))?.topic).toMatchObject({
      question: `怎么申请退货？ ${QUESTION}`,
      said: QUESTION,
    });
    await say("wechat:gh:follow", "都不是");
    expect(await say("wechat:gh:follow", "是的")).toMatchObject({ action: "handed_off" });
    expect(all()[0]?.question).toBe(QUESTION);
  });

  it("forgets the rejected entries when the customer declines the person or asks something else", async () => {
    const { say, all, conversations } = bot();
    await say("wechat:gh:no", QUESTION);
    await say("wechat:gh:no", "都不是");
    expect((await conversations.get("wechat:gh:no"))?.offeredFor).toMatchObject({ question: QUESTION });
    expect(await say("wechat:gh:no", "不用了")).toMatchObject({ action: "small_talk" });
    expect((await conversations.get("wechat:gh:no"))?.offeredFor).toBeUndefined();

    await say("wechat:gh:other", QUESTION);
    await say("wechat:gh:other", "都不是");
    expect(await say("wechat:gh:other", "怎么申请退货？")).toMatchObject({ action: "answered" });
    expect((await conversations.get("wechat:gh:other"))?.offeredFor).toBeUndefined();
    // A later "yes" is no acceptance of anything: no ticket, and none with stale entries.
    expect(await say("wechat:gh:other", "是的")).not.toMatchObject({ action: "handed_off" });
    expect(all()).toHaveLength(0);
  });

  it("after two off-topic messages, the ticket's question is the one the person was offered for, with no candidates", async () => {
    const { say, all } = bot();
    expect(await say("wechat:gh:off", "法国首都是哪")).toMatchObject({
      action: "out_of_scope",
      offered: false,
    });
    expect(await say("wechat:gh:off", "给我讲个笑话")).toMatchObject({
      action: "out_of_scope",
      offered: true,
    });
    expect(await say("wechat:gh:off", "是")).toMatchObject({ action: "handed_off" });
    expect(all()[0]).toMatchObject({ question: "给我讲个笑话", candidates: [] });
    // Off-topic is not a question the knowledge base failed: not in the learning loop.
    expect(unansweredFromTickets(all())).toEqual([]);
  });
});

describe("the learning loop and the desk see the question", () => {
  it("counts it as a failed clarify in the suggestions and the report's top unanswered", async () => {
    const { say, all } = bot();
    await rejectThenAccept(say, "wechat:gh:c1");
    await rejectThenAccept(say, "wechat:gh:c2");
    const tickets = all();
    expect(unansweredFromTickets(tickets)).toEqual(
      tickets.map((t) => ({
        text: QUESTION,
        reason: "failed_clarify",
        at: expect.any(String),
        ticketId: t.ticketId,
      })),
    );
    const retriever = createLexicalRetriever(entries);
    const [suggestion, ...others] = await suggest(unansweredFromTickets(tickets), { retriever });
    expect(others).toEqual([]);
    expect(suggestion).toMatchObject({
      representative: QUESTION,
      count: 2,
      reasons: { failed_clarify: 2 },
      ticketIds: tickets.map((t) => t.ticketId),
    });
    const day = tickets[0]?.createdAt.slice(0, 10) as string;
    const top = await topUnanswered(tickets, { since: day, until: day }, { retriever });
    expect(top).toEqual([{ question: QUESTION, count: 2, closestFaqId: expect.any(String) }]);
  });

  it("lists the question as the ticket's subject, marks the rejected entries, and suggests none of them", async () => {
    const { say, all } = bot();
    await rejectThenAccept(say, "wechat:gh:desk");
    const ticket = all()[0] as Ticket;
    const summary = summaryOf(ticket, "agent");
    expect(summary).toMatchObject({ question: QUESTION, preview: "是的" });
    const byId = new Map(entries.map((e) => [e.id, e]));
    const detail = detailOf(ticket, "agent", {
      entries: byId,
      earlier: [],
      optedOut: false,
      revealable: false,
    });
    expect(detail.candidates).toHaveLength(3);
    expect(detail.candidates.every((c) => c.rejectedByCustomer === true)).toBe(true);

    const route = kbRoutes.find((r) => r.method === "GET" && r.path === "/tickets/:id/suggestions");
    if (!route) throw new Error("no route GET /tickets/:id/suggestions");
    const deps = {
      ticket: async () => ticket,
      faqEntries: async (ids: string[]) =>
        new Map(ids.flatMap((id) => (byId.has(id) ? [[id, byId.get(id)]] : []))),
    } as unknown as Parameters<typeof route.handle>[1];
    const request = {
      method: "GET" as const,
      path: `/tickets/${ticket.ticketId}/suggestions`,
      params: { id: ticket.ticketId },
      query: {},
      body: undefined,
      user: { id: "agent", groups: ["agent" as const] },
      now: new Date(),
    };
    // The entries the customer said were not it are no reply to suggest.
    expect((await route.handle(request, deps)).body).toEqual({ suggestions: [] });
    // The same ticket with those entries as plain candidates suggests them: the filter is what empties it.
    const plain = { ...ticket, candidates: ticket.candidates.map(({ rejectedByCustomer: _, ...c }) => c) };
    const suggested = await route.handle(request, { ...deps, ticket: async () => plain });
    expect((suggested.body as { suggestions: unknown[] }).suggestions).toHaveLength(3);
  });
});
