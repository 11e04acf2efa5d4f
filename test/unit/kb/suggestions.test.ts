import { describe, expect, it } from "vitest";
import { loadEvalFile } from "../../../local/eval/file";
import type { Ticket } from "../../../shared/core/ticket";
import { createLexicalRetriever } from "../../../shared/kb/lexical";
import type { Embedder } from "../../../shared/kb/retrieval";
import {
  cluster,
  embeddedVectors,
  LEXICAL_CLUSTER_THRESHOLD,
  lexicalVectors,
  suggest,
  topUnanswered,
  type UnansweredQuestion,
  unansweredFromTickets,
} from "../../../shared/kb/suggestions";
import { sharedDataPath } from "../../support/shared-data";

/** Share of items whose cluster's majority label is their own, and the reverse (how whole each label stays). */
function purity(clusters: number[][], labels: string[]) {
  let pure = 0;
  const byLabel = new Map<string, Map<number, number>>();
  clusters.forEach((members, c) => {
    const counts = new Map<string, number>();
    for (const i of members) {
      const label = labels[i] as string;
      counts.set(label, (counts.get(label) ?? 0) + 1);
      const spread = byLabel.get(label) ?? new Map<number, number>();
      spread.set(c, (spread.get(c) ?? 0) + 1);
      byLabel.set(label, spread);
    }
    pure += Math.max(...counts.values());
  });
  let whole = 0;
  for (const spread of byLabel.values()) whole += Math.max(...spread.values());
  return { purity: pure / labels.length, inverse: whole / labels.length, clusters: clusters.length };
}

const ticket = (over: Partial<Ticket>): Ticket => ({
  ticketId: "T1",
  conversationKey: "wechat:o1",
  channel: "wechat",
  customerId: "o1",
  reason: "low_confidence",
  priority: "normal",
  status: "open",
  transcript: [],
  candidates: [],
  createdAt: "2026-12-01T10:00:00.000Z",
  updatedAt: "2026-12-01T10:00:00.000Z",
  ...over,
});

describe("unanswered questions from tickets", () => {
  it("takes the customer's last message before the hand-off, for the reasons that mean the bot did not know", () => {
    const transcript: Ticket["transcript"] = [
      { role: "customer", text: "hello", at: "2026-12-01T09:59:00.000Z" },
      { role: "customer", text: "can I pay rent by card", at: "2026-12-01T10:00:00.000Z" },
      { role: "agent", text: "yes", at: "2026-12-01T10:05:00.000Z", agent: "a1" },
      { role: "customer", text: "thanks", at: "2026-12-01T10:06:00.000Z" },
    ];
    const found = unansweredFromTickets([
      ticket({ ticketId: "T1", transcript }),
      ticket({ ticketId: "T2", reason: "repeated_failure", transcript }),
      ticket({ ticketId: "T3", reason: "negative_sentiment", transcript }),
      ticket({ ticketId: "T4", reason: "customer_request", transcript }),
      ticket({ ticketId: "T5", reason: "sensitive_topic", transcript }),
      ticket({ ticketId: "T6", transcript: [] }),
    ]);
    expect(found).toEqual([
      { text: "can I pay rent by card", reason: "low_confidence", at: transcript[1]?.at, ticketId: "T1" },
      { text: "can I pay rent by card", reason: "failed_clarify", at: transcript[1]?.at, ticketId: "T2" },
      { text: "can I pay rent by card", reason: "dissatisfied", at: transcript[1]?.at, ticketId: "T3" },
    ]);
  });

  it("leaves out a hand-off for anger that asks nothing, and keeps one that also asks a question", async () => {
    const said = (text: string): Ticket["transcript"] => [
      { role: "customer", text, at: "2026-12-01T10:00:00.000Z" },
    ];
    const tickets = [
      ticket({
        ticketId: "A1",
        reason: "negative_sentiment",
        transcript: said("你们这个破东西垃圾，气死我了！！！"),
      }),
      ticket({ ticketId: "A2", reason: "negative_sentiment", transcript: said("凭什么？？？") }),
      ticket({
        ticketId: "A3",
        reason: "negative_sentiment",
        transcript: said("worst service ever!!! I am furious"),
      }),
      ticket({ ticketId: "A4", reason: "negative_sentiment", transcript: said("😡😡😡") }),
      ticket({
        ticketId: "Q1",
        reason: "negative_sentiment",
        transcript: said("气死我了！到底什么时候发货？"),
      }),
      ticket({
        ticketId: "Q2",
        reason: "negative_sentiment",
        transcript: said("I'm furious. When will my refund arrive?"),
      }),
      // The other reasons are the bot not knowing, question or not.
      ticket({ ticketId: "L1", reason: "low_confidence", transcript: said("破东西") }),
    ];
    const found = unansweredFromTickets(tickets);
    expect(found.map((q) => q.ticketId)).toEqual(["Q1", "Q2", "L1"]);
    // The report's Top 10 unanswered reads the same questions.
    const top = await topUnanswered(tickets, { since: "2026-12-01", until: "2026-12-01" });
    expect(top.map((t) => t.question).sort()).toEqual(
      ["I'm furious. When will my refund arrive?", "气死我了！到底什么时候发货？", "破东西"].sort(),
    );
  });
});

describe("suggestions", () => {
  const at = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, "0")}:00.000Z`;
  const questions: UnansweredQuestion[] = [
    { text: "can I pay my rent with the card", reason: "low_confidence", at: at(1), ticketId: "T1" },
    { text: "how do I close my account", reason: "low_confidence", at: at(2), ticketId: "T2" },
    { text: "pay rent with card, call me on 13812345678", reason: "dissatisfied", at: at(3), ticketId: "T3" },
    { text: "is paying rent by card possible", reason: "low_confidence", at: at(4), ticketId: "T4" },
    { text: "I want to close my account", reason: "failed_clarify", at: at(5), ticketId: "T5" },
    { text: "what is the weather on Mars", reason: "low_confidence", at: at(6), ticketId: "T6" },
  ];
  const retriever = createLexicalRetriever([
    { id: "card_payment", question: "Can I pay bills with my card?", similarQuestions: [], answer: "a" },
    { id: "close_account", question: "How do I delete my account?", similarQuestions: [], answer: "b" },
  ]);

  it("group same-topic questions, largest first, with masked examples and the closest entries", async () => {
    const found = await suggest(questions, { retriever });
    expect(found.map((s) => [s.count, s.ticketIds])).toEqual([
      [3, ["T1", "T3", "T4"]],
      [2, ["T2", "T5"]],
    ]);
    const [rent, close] = found;
    expect(rent?.reasons).toEqual({ low_confidence: 2, dissatisfied: 1 });
    expect(rent?.examples).toHaveLength(3);
    expect(rent?.examples.join(" ")).not.toContain("13812345678");
    expect(rent?.closest[0]?.faqId).toBe("card_payment");
    expect(close?.closest[0]?.faqId).toBe("close_account");
    expect(rent?.firstAt).toBe(at(1));
    expect(rent?.lastAt).toBe(at(4));
    // A one-off question is not a topic, unless asked for.
    expect((await suggest(questions, { minCount: 1 })).map((s) => s.count)).toEqual([3, 2, 1]);
  });

  it("give one example per wording, give or take punctuation and case, as the picks do", async () => {
    const again: UnansweredQuestion = {
      text: "Can I pay my rent with the card?",
      reason: "low_confidence",
      at: at(7),
      ticketId: "T7",
    };
    const [rent] = await suggest([...questions, again], { retriever });
    expect(rent?.ticketIds).toEqual(["T1", "T3", "T4", "T7"]);
    // Four questions, three wordings: "can I pay my rent with the card" once, whichever form comes first.
    expect(rent?.examples).toHaveLength(3);
    expect(rent?.examples.filter((e) => /^can i pay my rent with the card\??$/i.test(e))).toHaveLength(1);
  });

  it("are the same whatever order the questions are listed in", async () => {
    const again = await suggest([...questions].reverse(), { retriever });
    expect(again).toEqual(await suggest(questions, { retriever }));
  });

  it("cluster embeddings (the AWS path) through the Embedder port", async () => {
    // A stand-in embedder: one axis per topic word, so the expected grouping is known.
    const axes = ["rent", "close", "weather"];
    const embedder: Embedder = {
      modelId: "test",
      dimensions: axes.length,
      async embed(texts) {
        return texts.map((t) => Float32Array.from(axes, (a) => (t.includes(a) ? 3 : 0.1)));
      },
    };
    const found = await suggest(questions, {
      vectors: (texts) => embeddedVectors(texts, embedder),
      threshold: 0.9,
    });
    expect(found.map((s) => s.ticketIds)).toEqual([
      ["T1", "T3", "T4"],
      ["T2", "T5"],
    ]);
    expect(() => cluster([new Map([["a", 1]]), new Float32Array([1])], { threshold: 0 })).toThrow(TypeError);
  });

  // Real public data: queries of the same intent should land together (measured, README figures).
  it.each([
    ["banking77_oos", 0.7, 0.25, 0.9],
    ["zh_smp2017", 0.93, 0.15, 0.45],
  ])("group %s queries by intent: purity ≥ %s", (set, minPurity, minInverse, minGrouped) => {
    const file = loadEvalFile(sharedDataPath("dev", `${set}.dev.json`));
    const inScope = file.queries.filter((q) => q.expected !== null);
    const clusters = cluster(lexicalVectors(inScope.map((q) => q.text)), {
      threshold: LEXICAL_CLUSTER_THRESHOLD,
    });
    const measured = purity(
      clusters,
      inScope.map((q) => q.expected as string),
    );
    expect(measured.purity).toBeGreaterThanOrEqual(minPurity);
    // Not singletons: a label's largest cluster holds a real share of it.
    expect(measured.inverse).toBeGreaterThanOrEqual(minInverse);
    const grouped = clusters.filter((c) => c.length >= 2).reduce((n, c) => n + c.length, 0);
    expect(grouped / inScope.length).toBeGreaterThanOrEqual(minGrouped);
  });
});
