import { describe, expect, it } from "vitest";
import type { DeskApiError, DeskRequest } from "../../../functions/desk-api/route";
import { type SuggestionRoutesDeps, suggestionRoutes } from "../../../functions/desk-api/routes/suggestions";
import { type TeachDeps, teachRoutes } from "../../../functions/desk-api/routes/teach";
import type { ClarifyPick } from "../../../shared/core/picks";
import type { Ticket } from "../../../shared/core/ticket";
import { FAQ_LIMITS } from "../../../shared/kb/faq-schema";
import { importUpload } from "../../../shared/kb/import/import";
import { createLexicalRetriever } from "../../../shared/kb/lexical";
import { type LearningSuggestion, SUGGESTION_HANDLED, topUnanswered } from "../../../shared/kb/suggestions";
import type { PendingChange } from "../../../shared/kb/teach";
import { memoryChanges, memoryPicks, memoryRepo, memoryTickets } from "../../../shared/stores/memory";
import { memoryBlobs } from "../../support/fakes";

const now = new Date("2026-12-01T10:00:00Z");
const FAQ = [
  {
    id: "card_payment",
    question: "Can I pay bills with my card?",
    answer: "Yes, any bill.",
    similar_questions: [],
  },
  {
    id: "close_account",
    question: "How do I delete my account?",
    answer: "Settings → Close.",
    similar_questions: [],
  },
];
const ASKED: [string, Ticket["reason"], string][] = [
  ["T1", "low_confidence", "can I pay my rent with the card"],
  ["T2", "low_confidence", "pay rent with card, call me on 13812345678"],
  ["T3", "repeated_failure", "is paying rent by card possible"],
  ["T4", "customer_request", "can I pay my rent with the card"],
  ["T5", "low_confidence", "what is the weather on Mars"],
];

async function setup() {
  const blobs = memoryBlobs();
  const repo = memoryRepo();
  const tickets = memoryTickets();
  const changes = memoryChanges();
  await blobs.put("uploads/faq.jsonl", FAQ.map((r) => JSON.stringify(r)).join("\n"), "application/x-ndjson");
  await importUpload({ key: "uploads/faq.jsonl" }, { blobs, repo });
  for (const [i, [id, reason, text]] of ASKED.entries()) {
    const at = new Date(now.getTime() - (10 - i) * 60_000).toISOString();
    await tickets.create({
      ticketId: id,
      conversationKey: `wechat:o${i}`,
      channel: "wechat",
      customerId: `o${i}`,
      reason,
      priority: "normal",
      status: i === 0 ? "resolved" : "open",
      transcript: [{ role: "customer", text, at }],
      candidates: [],
      createdAt: at,
      updatedAt: at,
    });
  }
  const faqEntry = async (id: string) => (await repo.loadEntries("default")).entries.find((e) => e.id === id);
  let n = 0;
  const deps: SuggestionRoutesDeps = {
    tickets,
    changes,
    faqEntry,
    retriever: createLexicalRetriever((await repo.loadEntries("default")).entries),
    newId: () => `c${++n}`,
  };
  const teach: TeachDeps = { changes, tickets, faqEntry, blobs };
  return { deps, teach, tickets, changes, repo, blobs };
}

async function call<D>(
  routes: {
    method: string;
    path: string;
    handle(r: DeskRequest, d: D): Promise<{ status: number; body: unknown }>;
  }[],
  method: DeskRequest["method"],
  path: string,
  deps: D,
  options: { body?: unknown; params?: Record<string, string> } = {},
) {
  const route = routes.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`no route ${method} ${path}`);
  return route.handle(
    {
      method,
      path,
      params: options.params ?? {},
      query: {},
      body: options.body,
      user: { id: "wang", groups: ["supervisor"] },
      now,
    },
    deps,
  );
}

async function list(deps: SuggestionRoutesDeps): Promise<LearningSuggestion[]> {
  return (
    (await call(suggestionRoutes, "GET", "/insights/suggestions", deps)).body as {
      suggestions: LearningSuggestion[];
    }
  ).suggestions;
}

describe("suggestions in the desk", () => {
  it("are for supervisors and admins", () => {
    for (const route of suggestionRoutes) expect(route.groups).toEqual(["supervisor", "admin"]);
  });

  it("list the unanswered questions by topic, masked, with the closest entries", async () => {
    const { deps } = await setup();
    const [rent, ...rest] = await list(deps);
    expect(rest).toEqual([]);
    // T4 asked for a person (not a question the bot missed); T5 was asked once.
    expect(rent).toMatchObject({
      count: 3,
      ticketIds: ["T1", "T2", "T3"],
      reasons: { low_confidence: 2, failed_clarify: 1 },
    });
    expect(rent?.examples.join(" ")).not.toContain("13812345678");
    expect(rent?.closest[0]?.faqId).toBe("card_payment");
  });

  it("say how many questions were asked only once: the report's top unanswered lists them, suggestions do not", async () => {
    // Seen in a trial: the report listed unanswered questions while the suggestions page was empty.
    const { deps, tickets } = await setup();
    const today = now.toISOString().slice(0, 10);
    const report = await topUnanswered(
      (
        await Promise.all(
          (["open", "assigned", "resolved"] as const).map((s) => tickets.listByStatus(s, 500)),
        )
      ).flat(),
      { since: today, until: today },
      { retriever: deps.retriever },
    );
    expect(report.map((t) => t.count)).toEqual([3, 1]);
    const response = await call(suggestionRoutes, "GET", "/insights/suggestions", deps);
    const body = response.body as { suggestions: LearningSuggestion[]; askedOnce: number };
    // The same questions: the topic asked three times is a suggestion, the one-off is counted apart.
    expect(body.suggestions.map((s) => s.count)).toEqual([3]);
    expect(body.askedOnce).toBe(1);
  });

  it("turn into phrasings of an entry: pending changes an approval imports into a new KB version", async () => {
    const { deps, teach, tickets, repo, blobs } = await setup();
    const [rent] = await list(deps);
    const made = await call(suggestionRoutes, "POST", "/insights/suggestions/:id/phrasings", deps, {
      params: { id: rent?.id ?? "" },
      body: { faqId: "card_payment", texts: rent?.examples.slice(0, 2) },
    });
    expect(made.status).toBe(201);
    const changes = (made.body as { changes: PendingChange[] }).changes;
    expect(changes).toMatchObject([
      {
        kind: "phrasing",
        faqId: "card_payment",
        status: "pending",
        author: "wang",
        suggestionId: rent?.id,
        ticketId: "T1",
        text: rent?.examples[0],
        texts: rent?.examples.slice(0, 2),
      },
    ]);
    // Handled: out of the list, and a desk event on each of its tickets.
    expect(await list(deps)).toEqual([]);
    expect((await tickets.get("T2"))?.transcript.at(-1)).toMatchObject({ role: "system", agent: "wang" });
    expect((await tickets.get("T2"))?.transcript.at(-1)?.text.startsWith(SUGGESTION_HANDLED)).toBe(true);

    // The supervisor approves it as any taught change; the import writes both wordings into the entry.
    for (const change of changes) {
      const approved = await call(teachRoutes, "POST", "/changes/:id/approve", teach, {
        params: { id: change.id },
      });
      await importUpload({ key: (approved.body as PendingChange).upload ?? "" }, { blobs, repo });
    }
    const entry = (await repo.loadEntries("default")).entries.find((e) => e.id === "card_payment");
    expect(entry?.similarQuestions).toEqual(rent?.examples.slice(0, 2));
  });

  it("refuse wordings that are not the suggestion's, unknown entries and entries with no room left", async () => {
    const { deps, changes, repo, blobs } = await setup();
    const [rent] = await list(deps);
    const id = rent?.id ?? "";
    const refused = (body: unknown) =>
      call(suggestionRoutes, "POST", "/insights/suggestions/:id/phrasings", deps, {
        params: { id },
        body,
      }).then(
        () => undefined,
        (e: DeskApiError) => [e.status, e.code],
      );
    expect(await refused({ faqId: "card_payment", texts: ["something else"] })).toEqual([
      422,
      "validation_failed",
    ]);
    expect(await refused({ faqId: "nope" })).toEqual([422, "validation_failed"]);
    const full = {
      ...FAQ[1],
      id: "full",
      similar_questions: Array.from({ length: FAQ_LIMITS.similarQuestions - 1 }, (_, i) => `q${i}`),
    };
    await blobs.put("uploads/full.jsonl", JSON.stringify(full), "application/x-ndjson");
    await importUpload({ key: "uploads/full.jsonl" }, { blobs, repo });
    // One more fits, three do not: nothing is created, the suggestion stays.
    expect(await refused({ faqId: "full" })).toEqual([422, "validation_failed"]);
    expect(changes.items.size).toBe(0);
    expect((await list(deps)).map((s) => s.id)).toEqual([id]);
    expect(
      await call(suggestionRoutes, "POST", "/insights/suggestions/:id/dismiss", deps, {
        params: { id: "gone" },
      }).catch((e: DeskApiError) => e.status),
    ).toBe(404);
  });

  it("are proposed as out of scope: a pending change whose approval imports the wordings as out-of-scope rows", async () => {
    const { deps, teach, tickets, repo, blobs } = await setup();
    const [rent] = await list(deps);
    expect(
      await call(suggestionRoutes, "POST", "/insights/suggestions/:id/out-of-scope", deps, {
        params: { id: rent?.id ?? "" },
        body: { texts: ["not one of its wordings"] },
      }).catch((e: DeskApiError) => e.status),
    ).toBe(422);
    const made = await call(suggestionRoutes, "POST", "/insights/suggestions/:id/out-of-scope", deps, {
      params: { id: rent?.id ?? "" },
      body: { note: "we do not take rent" },
    });
    expect(made.status).toBe(201);
    const [change] = (made.body as { changes: PendingChange[] }).changes;
    expect(change).toMatchObject({
      kind: "out_of_scope",
      status: "pending",
      suggestionId: rent?.id,
      text: rent?.examples[0],
      texts: rent?.examples,
    });
    expect(await list(deps)).toEqual([]);
    expect((await tickets.get("T3"))?.transcript.at(-1)?.text).toBe(
      `${SUGGESTION_HANDLED} proposed as out of scope (${rent?.examples.length} wording(s)), pending approval (change c1): we do not take rent`,
    );

    const approved = await call(teachRoutes, "POST", "/changes/:id/approve", teach, {
      params: { id: change?.id ?? "" },
    });
    await importUpload({ key: (approved.body as PendingChange).upload ?? "" }, { blobs, repo });
    const { entries } = await repo.loadEntries("default");
    expect(entries.find((e) => e.outOfScope)).toMatchObject({
      id: "out-of-scope-c1",
      question: rent?.examples[0],
      similarQuestions: rent?.examples.slice(1),
      answer: "",
    });
    // Masked: the phone number one customer gave never reaches the knowledge base.
    expect(JSON.stringify(entries)).not.toContain("13812345678");
  });

  it("turn into a new entry draft, or are dismissed", async () => {
    const { deps, tickets, changes } = await setup();
    const [rent] = await list(deps);
    const drafted = await call(suggestionRoutes, "POST", "/insights/suggestions/:id/entry", deps, {
      params: { id: rent?.id ?? "" },
      body: { question: "Can I pay rent by card?", answer: "Yes, with a 1% fee." },
    });
    expect((drafted.body as { changes: PendingChange[] }).changes[0]).toMatchObject({
      kind: "entry",
      status: "pending",
      question: "Can I pay rent by card?",
    });
    expect(changes.items.size).toBe(1);

    const { deps: other, tickets: otherTickets } = await setup();
    const [again] = await list(other);
    const dismissed = await call(suggestionRoutes, "POST", "/insights/suggestions/:id/dismiss", other, {
      params: { id: again?.id ?? "" },
      body: { note: "seasonal" },
    });
    expect(dismissed).toEqual({ status: 200, body: { dismissed: again?.id, tickets: 3 } });
    expect(await list(other)).toEqual([]);
    expect((await otherTickets.get("T1"))?.transcript.at(-1)?.text).toBe(
      `${SUGGESTION_HANDLED} dismissed: seasonal`,
    );
    expect((await tickets.get("T1"))?.transcript.at(-1)?.text).toContain("new FAQ entry");
  });
});

describe("suggestions from customers' clarify picks", () => {
  const pick = (n: number, wording: string, faqId: string, minutesAgo = 30 - n): ClarifyPick => ({
    id: `p${n}`,
    wording,
    faqId,
    offered: ["card_payment", "close_account"],
    kbVersion: "v1",
    channel: "wechat",
    at: new Date(now.getTime() - minutesAgo * 60_000).toISOString(),
  });

  async function withPicks(...recorded: ClarifyPick[]) {
    const ready = await setup();
    const picks = memoryPicks();
    for (const p of recorded) await picks.record(p);
    return { ...ready, picks, deps: { ...ready.deps, picks } };
  }

  it("group the wordings picked for one entry, with the entry, the count and the other entries picked", async () => {
    const { deps } = await withPicks(
      pick(1, "rent by card, my number is 13812345678", "card_payment"),
      pick(2, "can the rent go on my card", "card_payment"),
      pick(3, "Can the rent go on my card?", "card_payment"),
      pick(4, "can the rent go on my card?", "close_account"),
      pick(6, "Can the rent go on my card?", "card_payment"),
      // A month and more ago: out of the window.
      pick(5, "rent on card", "card_payment", 31 * 24 * 60),
    );
    const [cards, rent, closing] = await list(deps);
    expect(cards).toMatchObject({
      count: 4,
      reasons: { picked: 4 },
      ticketIds: [],
      picked: {
        faqId: "card_payment",
        question: "Can I pay bills with my card?",
        others: [{ faqId: "close_account", count: 1 }],
      },
    });
    // One example per wording, give or take punctuation and case: the variants' three picks put it first,
    // in the form picked most.
    expect(cards?.examples).toEqual([
      "Can the rent go on my card?",
      "rent by card, my number is 138****5678",
    ]);
    // The hand-off topic (3 tickets) after it, then the entry picked once.
    expect(rent?.ticketIds).toEqual(["T1", "T2", "T3"]);
    expect(closing).toMatchObject({ count: 1, picked: { faqId: "close_account" } });
    // The wire carries no pick records (their ids, channels, versions): only the suggestion.
    expect(JSON.stringify(await list(deps))).not.toContain("v1");
  });

  it("are taught in one click as phrasings of the entry picked, through approval; untaught wordings stay", async () => {
    const { deps, teach, repo, blobs, picks } = await withPicks(
      pick(1, "can the rent go on my card", "card_payment"),
      pick(2, "card for the rent?", "card_payment"),
      pick(3, "Can the rent go on my card?", "card_payment"),
    );
    const cards = (await list(deps)).find((s) => s.picked);
    const made = await call(suggestionRoutes, "POST", "/insights/suggestions/:id/phrasings", deps, {
      params: { id: cards?.id ?? "" },
      body: { faqId: "card_payment", texts: ["can the rent go on my card"] },
    });
    expect(made.status).toBe(201);
    const [change] = (made.body as { changes: PendingChange[] }).changes;
    expect(change).toMatchObject({ kind: "phrasing", faqId: "card_payment", suggestionId: cards?.id });
    expect(change?.ticketId).toBeUndefined();
    // The taught picks are handled, the variant behind the example too; the other wording is still suggested.
    expect(
      [...picks.items.values()].map((p) => [p.id, p.handled?.startsWith("taught as 1 phrasing")]),
    ).toEqual([
      ["p1", true],
      ["p2", undefined],
      ["p3", true],
    ]);
    const [left] = (await list(deps)).filter((s) => s.picked);
    expect(left).toMatchObject({ id: cards?.id, count: 1, examples: ["card for the rent?"] });

    const approved = await call(teachRoutes, "POST", "/changes/:id/approve", teach, {
      params: { id: change?.id ?? "" },
    });
    await importUpload({ key: (approved.body as PendingChange).upload ?? "" }, { blobs, repo });
    const entry = (await repo.loadEntries("default")).entries.find((e) => e.id === "card_payment");
    expect(entry?.similarQuestions).toEqual(["can the rent go on my card"]);
  });

  it("leave out wordings the entry has since been taught, and entries the knowledge base no longer has", async () => {
    const { deps } = await withPicks(
      pick(1, "can I pay bills with my card", "card_payment"),
      pick(2, "cancel my subscription", "gone_entry"),
    );
    expect((await list(deps)).filter((s) => s.picked)).toEqual([]);
  });

  it("leave the hand-off suggestions listed when the picks cannot be read", async () => {
    const { deps } = await withPicks(pick(1, "can the rent go on my card", "card_payment"));
    const failures: unknown[] = [];
    const broken = {
      ...deps,
      picks: {
        ...deps.picks,
        listDays: async () => {
          throw Object.assign(new Error("throttled"), { name: "ThrottlingException" });
        },
      },
      onPicksError: (error: unknown) => failures.push(error),
    };
    const [rent, ...rest] = await list(broken);
    expect(rent?.ticketIds).toEqual(["T1", "T2", "T3"]);
    expect(rest).toEqual([]);
    expect(failures.map((e) => (e as Error).name)).toEqual(["ThrottlingException"]);
  });

  it("are dismissed whole", async () => {
    const { deps, picks } = await withPicks(
      pick(1, "can the rent go on my card", "card_payment"),
      pick(2, "card for the rent?", "card_payment"),
    );
    const cards = (await list(deps)).find((s) => s.picked);
    const dismissed = await call(suggestionRoutes, "POST", "/insights/suggestions/:id/dismiss", deps, {
      params: { id: cards?.id ?? "" },
      body: { note: "customers guess" },
    });
    expect(dismissed.status).toBe(200);
    expect([...picks.items.values()].every((p) => p.handled?.startsWith("dismissed: customers guess"))).toBe(
      true,
    );
    expect((await list(deps)).filter((s) => s.picked)).toEqual([]);
  });
});
