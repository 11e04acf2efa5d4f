import { describe, expect, it } from "vitest";
import type { Turn } from "../../../shared/core/conversation";
import type { FaqEntry } from "../../../shared/core/faq";
import {
  byScore,
  type ConversationGrader,
  type ConversationReview,
  ConversationReviewSchema,
  type Grade,
  overallScore,
  parseGrade,
  referenceFaqIds,
  reviewInput,
  reviewPrompt,
} from "../../../shared/core/quality/review";
import { createHeuristicGrader, heuristicGrade } from "../../../shared/core/quality/review-heuristic";
import { reviewResolvedTickets } from "../../../shared/core/quality/review-pass";
import type { Ticket } from "../../../shared/core/ticket";
import {
  memoryReviewQueue,
  memoryReviews,
  memoryTicketDesk,
  memoryTickets,
} from "../../../shared/stores/memory";

const RETURNS: FaqEntry = {
  id: "faq-returns",
  question: "怎么退货？",
  similarQuestions: [],
  answer: "签收后7天内可在订单页申请退货，退款原路返回。",
};

const turn = (role: Turn["role"], text: string, extra: Partial<Turn> = {}): Turn => ({
  role,
  text,
  at: "2026-12-01T10:00:00.000Z",
  ...extra,
});

function ticket(transcript: Turn[], overrides: Partial<Ticket> = {}): Ticket {
  return {
    ticketId: "KF-REVIEW01",
    conversationKey: "wechat#oCustomer",
    channel: "wechat",
    customerId: "oCustomer",
    reason: "customer_request",
    priority: "normal",
    status: "resolved",
    transcript,
    candidates: [{ faqId: "faq-shipping", score: 0.4, matchedQuestion: "多久发货" }],
    createdAt: "2026-12-01T09:00:00.000Z",
    updatedAt: "2026-12-01T10:05:00.000Z",
    resolvedAt: "2026-12-01T10:05:00.000Z",
    ...overrides,
  };
}

const grade = (empathy: number, resolution: number, accuracy: number): Grade => ({
  empathy: { score: empathy, reasons: ["e"] },
  resolution: { score: resolution, reasons: ["r"] },
  accuracy: { score: accuracy, reasons: ["a"] },
});

describe("reviewInput", () => {
  it("masks every turn and FAQ text, leaves out notes and system turns, and names the last agent", () => {
    const input = reviewInput(
      ticket([
        turn("customer", "我的手机13812345678，退货怎么办？"),
        turn("bot", "已为您转人工"),
        turn("system", "assigned to zhang"),
        turn("note", "客户邮箱 li.lei@example.com，很着急"),
        turn("agent", "您好，请把订单发到 a.agent@example.com，我给您处理", { agent: "zhang" }),
      ]),
      [RETURNS],
    );
    expect(input?.agent).toBe("zhang");
    expect(input?.transcript.map((t) => t.role)).toEqual(["customer", "bot", "agent"]);
    const seen = JSON.stringify(input);
    expect(seen).not.toContain("13812345678");
    expect(seen).toContain("138****5678");
    expect(seen).not.toContain("a.agent@example.com");
    expect(seen).not.toContain("li.lei");
    expect(reviewPrompt(input as NonNullable<typeof input>)).not.toContain("13812345678");
  });

  it("is undefined when no agent replied: a bot-only or session-closed resolve has nothing to grade", () => {
    expect(reviewInput(ticket([turn("customer", "转人工"), turn("bot", "稍等")]), [RETURNS])).toBeUndefined();
  });

  it("leaves out the CSAT question and the rating after the resolve: the rating is not an unanswered message", () => {
    const rated = ticket(
      [
        turn("customer", "我的订单还没发货"),
        turn("agent", "您好，订单今天会发货。", { agent: "zhang" }),
        turn("system", "resolved by zhang", { at: "2026-12-01T10:05:00.000Z" }),
        turn("bot", "请回复 1–5 为本次人工服务打分", { at: "2026-12-01T10:05:00.300Z" }),
        turn("customer", "5 很满意", { at: "2026-12-01T10:06:00.000Z" }),
      ],
      { csat: { score: 5, comment: "很满意", at: "2026-12-01T10:06:00.000Z" } },
    );
    const input = reviewInput(rated, [RETURNS]) as NonNullable<ReturnType<typeof reviewInput>>;
    expect(input.transcript.map((t) => t.role)).toEqual(["customer", "agent"]);
    expect(input.csat).toBe(5);
    const resolution = heuristicGrade(input).resolution;
    // The rating, and no last_message_unanswered: the customer's "5 很满意" came after the resolve.
    expect(resolution).toEqual({ score: 5, reasonCodes: [{ code: "customer_rating", csat: 5 }] });
  });

  it("keeps the last turns and bounds each one", () => {
    const many = Array.from({ length: 50 }, (_, i) => turn(i % 2 ? "agent" : "customer", "字".repeat(5000)));
    const input = reviewInput(ticket(many), []);
    expect(input?.transcript).toHaveLength(30);
    expect(input?.omittedTurns).toBe(20);
    expect(input?.transcript[0]?.text.length).toBe(1001);
  });
});

describe("referenceFaqIds", () => {
  it("puts the entry the agent started from first, then retrieval's likely hits, then the hand-off's", () => {
    const t = ticket([
      turn("agent", "签收后7天内可退", {
        agent: "zhang",
        suggestion: { kind: "faq", id: "faq-returns", edited: true },
      }),
    ]);
    const found = [
      { faqId: "faq-refund", score: 0.6, matchedQuestion: "退款" },
      { faqId: "faq-weather", score: 0.05, matchedQuestion: "天气" },
    ];
    expect(referenceFaqIds(t, found)).toEqual(["faq-returns", "faq-refund", "faq-shipping"]);
  });
});

describe("parseGrade", () => {
  it("accepts a grade and refuses anything else with a reason", () => {
    expect(parseGrade(grade(4, 5, 3))).toEqual({ ok: true, grade: grade(4, 5, 3) });
    const outOfRange = parseGrade({ ...grade(4, 5, 3), accuracy: { score: 7, reasons: ["x"] } });
    expect(outOfRange).toMatchObject({ ok: false, reason: expect.stringContaining("accuracy.score") });
    expect(parseGrade({ ...grade(4, 5, 3), empathy: { score: 4, reasons: [] } }).ok).toBe(false);
    expect(parseGrade("5/5, great job").ok).toBe(false);
  });

  it("refuses codes from a model: the codes are the heuristic's, a model gives its reasons as text", () => {
    const coded = { score: 4, reasonCodes: [{ code: "no_reference_faq" }] };
    expect(parseGrade({ ...grade(4, 5, 3), accuracy: coded })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("accuracy.reasons"),
    });
  });
});

describe("overallScore", () => {
  it("weighs resolution and accuracy twice empathy", () => {
    expect(overallScore(grade(5, 5, 5))).toBe(5);
    expect(overallScore(grade(4, 5, 5))).toBe(4.8);
    expect(overallScore(grade(5, 4, 4))).toBe(4.2);
    expect(overallScore(grade(5, 3, 3))).toBe(3.4);
  });

  it("stays within 1.5 of the lowest score: one failing dimension keeps it near the top of the queue", () => {
    expect(overallScore(grade(5, 5, 1))).toBe(2.5);
    expect(overallScore(grade(1, 5, 5))).toBe(2.5);
  });
});

describe("byScore", () => {
  const scored = (ticketId: string, overall: number): ConversationReview => ({
    ticketId,
    channel: "wechat",
    agent: "zhang",
    resolvedAt: "2026-12-01T10:00:00.000Z",
    reviewedAt: "2026-12-01T10:01:00.000Z",
    grader: { kind: "heuristic", name: "heuristic-v1" },
    faqIds: [],
    status: "scored",
    overall,
    scores: grade(3, 3, 3),
  });
  it("lists the lowest score first and failed reviews after the scored ones", () => {
    const failed: ConversationReview = {
      ...scored("KF-FAILED", 1),
      status: "failed",
      failure: { code: "malformed_output", reason: "no tool call" },
    } as ConversationReview;
    const sorted = [scored("KF-HIGH", 4.6), failed, scored("KF-LOW", 1.8)].sort(byScore);
    expect(sorted.map((r) => r.ticketId)).toEqual(["KF-LOW", "KF-HIGH", "KF-FAILED"]);
  });
});

describe("heuristicGrade", () => {
  const input = (agentText: string, csat?: number) =>
    reviewInput(
      ticket([turn("customer", "怎么退货？"), turn("agent", agentText, { agent: "zhang" })], {
        ...(csat ? { csat: { score: csat as 1, at: "2026-12-01T11:00:00.000Z" } } : {}),
      }),
      [RETURNS],
    ) as NonNullable<ReturnType<typeof reviewInput>>;

  it("scores an apologetic agent repeating the FAQ answer, rated 5, high on every dimension", () => {
    const g = heuristicGrade(
      input("非常抱歉给您带来不便，感谢您的耐心。签收后7天内可在订单页申请退货，退款原路返回。", 5),
    );
    expect(g.empathy.score).toBeGreaterThanOrEqual(4);
    expect(g.resolution.score).toBe(5);
    expect(g.accuracy.score).toBe(5);
  });

  it("scores a curt, off-FAQ, poorly rated answer low, with reasons", () => {
    const g = heuristicGrade(input("不行", 1));
    expect(g).toMatchObject({ empathy: { score: 1 }, resolution: { score: 1 }, accuracy: { score: 1 } });
    for (const dimension of Object.values(g)) expect(dimension.reasonCodes.length).toBeGreaterThan(0);
  });
});

describe("heuristicGrade's reasons are codes with their figures, no text", () => {
  const review = (agentText: string, options: { csat?: number; faq?: FaqEntry[]; after?: Turn[] } = {}) =>
    heuristicGrade(
      reviewInput(
        ticket(
          [
            turn("customer", "怎么退货？"),
            turn("agent", agentText, { agent: "zhang" }),
            ...(options.after ?? []),
          ],
          options.csat ? { csat: { score: options.csat as 1, at: "2026-12-01T11:00:00.000Z" } } : {},
        ),
        options.faq ?? [RETURNS],
      ) as NonNullable<ReturnType<typeof reviewInput>>,
    );

  it("names the courtesy found, the rating and the FAQ entry with its overlap", () => {
    const g = review("非常抱歉给您带来不便，感谢您的耐心。签收后7天内可在订单页申请退货，退款原路返回。", {
      csat: 5,
    });
    expect(g.empathy).toEqual({
      score: 4,
      reasonCodes: [{ code: "courtesy_markers", markers: ["apology", "thanks", "polite"] }],
    });
    expect(g.resolution).toEqual({ score: 5, reasonCodes: [{ code: "customer_rating", csat: 5 }] });
    expect(g.accuracy).toEqual({
      score: 5,
      reasonCodes: [{ code: "faq_overlap", faqId: "faq-returns", percent: 100 }],
    });
  });

  it("finds every kind of courtesy in English too", () => {
    const g = review("Sorry for the wait, I understand. Thank you, please check your order page.");
    expect(g.empathy).toEqual({
      score: 5,
      reasonCodes: [{ code: "courtesy_markers", markers: ["apology", "thanks", "empathy", "polite"] }],
    });
  });

  it("says no courtesy, a 0% overlap with the first entry, and the rating for a curt answer", () => {
    const g = review("不行", { csat: 1 });
    expect(g.empathy.reasonCodes).toEqual([{ code: "no_courtesy_markers" }]);
    expect(g.resolution.reasonCodes).toEqual([{ code: "customer_rating", csat: 1 }]);
    expect(g.accuracy.reasonCodes).toEqual([{ code: "faq_overlap", faqId: "faq-returns", percent: 0 }]);
  });

  it("says when nobody rated, when the customer's last message went unanswered, and when no FAQ entry compares", () => {
    const g = review("您好", { faq: [], after: [turn("customer", "还在吗？")] });
    expect(g.resolution).toEqual({
      score: 2,
      reasonCodes: [{ code: "no_customer_rating" }, { code: "last_message_unanswered" }],
    });
    expect(g.accuracy).toEqual({ score: 3, reasonCodes: [{ code: "no_reference_faq" }] });
  });

  it("gives the overlap as a whole percent of the reference answer's character pairs", () => {
    // "abcd" has three pairs (ab, bc, cd); "ab" repeats one of them: 33%.
    const abcd: FaqEntry = { id: "faq-abcd", question: "abcd?", similarQuestions: [], answer: "abcd" };
    expect(review("ab", { faq: [abcd] }).accuracy).toEqual({
      score: 3,
      reasonCodes: [{ code: "faq_overlap", faqId: "faq-abcd", percent: 33 }],
    });
  });
});

describe("a stored review", () => {
  const stored = (scores: unknown) => ({
    ticketId: "KF-REVIEW01",
    channel: "wechat",
    agent: "zhang",
    resolvedAt: "2026-12-01T10:05:00.000Z",
    reviewedAt: "2026-12-01T10:06:00.000Z",
    grader: { kind: "heuristic", name: "heuristic-v1" },
    faqIds: ["faq-returns"],
    status: "scored",
    overall: 2.2,
    scores,
  });

  it("reads back with the heuristic's codes", () => {
    const scores = review();
    expect(ConversationReviewSchema.parse(stored(scores))).toMatchObject({ scores });
  });

  it("reads a heuristic review stored before the codes, with its Chinese text", () => {
    const scores = {
      empathy: { score: 1, reasons: ["客服回复中没有致歉、致谢、共情或礼貌用语"] },
      resolution: { score: 3, reasons: ["客服已解决；客户未评分"] },
      accuracy: { score: 2, reasons: ["客服回复与 FAQ faq-returns 的答案字面重合 12%"] },
    };
    expect(ConversationReviewSchema.parse(stored(scores))).toMatchObject({ scores });
  });

  it("is refused with a code it does not know, or without a reason", () => {
    const unknown = { ...review(), empathy: { score: 1, reasonCodes: [{ code: "rude" }] } };
    expect(ConversationReviewSchema.safeParse(stored(unknown)).success).toBe(false);
    const none = { ...review(), empathy: { score: 1, reasonCodes: [] } };
    expect(ConversationReviewSchema.safeParse(stored(none)).success).toBe(false);
    const overlap = {
      ...review(),
      accuracy: { score: 1, reasonCodes: [{ code: "faq_overlap", percent: 40 }] },
    };
    expect(ConversationReviewSchema.safeParse(stored(overlap)).success).toBe(false);
  });

  function review() {
    return heuristicGrade(
      reviewInput(ticket([turn("customer", "怎么退货？"), turn("agent", "不行", { agent: "zhang" })]), [
        RETURNS,
      ]) as NonNullable<ReturnType<typeof reviewInput>>,
    );
  }

  it("says it is a heuristic, never a model", () => {
    expect(createHeuristicGrader().info).toEqual({ kind: "heuristic", name: "heuristic-v1" });
  });
});

describe("reviewResolvedTickets", () => {
  const now = new Date("2026-12-01T10:10:00.000Z");

  async function setup(grader: ConversationGrader, transcript: Turn[]) {
    const tickets = memoryTickets();
    await tickets.create({ ...ticket(transcript), status: "assigned", resolvedAt: undefined } as Ticket);
    await tickets.resolve("KF-REVIEW01", new Date("2026-12-01T10:05:00.000Z"));
    const reviews = memoryReviews();
    const deps = {
      queue: memoryReviewQueue(tickets),
      reviews,
      tickets,
      reference: async () => [RETURNS],
      grader,
      now: () => now,
    };
    return { tickets, reviews, deps };
  }
  const humanHandled = [
    turn("customer", "怎么退货？"),
    turn("agent", "抱歉，签收后7天内可退货", { agent: "zhang" }),
  ];

  it("stores a scored review for a resolved, human-handled ticket and takes it off the queue", async () => {
    const { tickets, reviews, deps } = await setup(createHeuristicGrader(), humanHandled);
    expect(await reviewResolvedTickets(deps)).toEqual({ scored: 1, failed: 0, skipped: 0, retrying: 0 });
    const [review] = reviews.items.values();
    expect(review).toMatchObject({
      ticketId: "KF-REVIEW01",
      agent: "zhang",
      status: "scored",
      grader: { kind: "heuristic" },
      faqIds: ["faq-returns"],
    });
    expect(tickets.reviewDue.size).toBe(0);
  });

  it("grades a ticket again when the customer rates it after its review, the new review replacing the first", async () => {
    const { tickets, reviews, deps } = await setup(createHeuristicGrader(), humanHandled);
    const desk = memoryTicketDesk(tickets);
    const queue = memoryReviewQueue(tickets);
    await reviewResolvedTickets({ ...deps, queue });
    expect([...reviews.items.values()].map((r) => r.csat)).toEqual([undefined]);

    await desk.recordCsat("KF-REVIEW01", { score: 5 }, new Date("2026-12-01T10:11:00.000Z"));
    expect(await reviewResolvedTickets({ ...deps, queue })).toMatchObject({ scored: 1 });
    expect([...reviews.items.values()].map((r) => r.csat)).toEqual([5]);
    expect(tickets.reviewDue.size).toBe(0);
  });

  it("keeps the ticket queued when the rating arrives while it is being graded", async () => {
    const heuristic = createHeuristicGrader();
    const { tickets, reviews, deps } = await setup(heuristic, humanHandled);
    const desk = memoryTicketDesk(tickets);
    const ratedMeanwhile: ConversationGrader = {
      info: heuristic.info,
      async grade(input) {
        const outcome = await heuristic.grade(input);
        await desk.recordCsat("KF-REVIEW01", { score: 2 }, new Date("2026-12-01T10:11:00.000Z"));
        return outcome;
      },
    };
    const queue = memoryReviewQueue(tickets);
    await reviewResolvedTickets({ ...deps, queue, grader: ratedMeanwhile });
    expect(tickets.reviewDue.size).toBe(1);
    await reviewResolvedTickets({ ...deps, queue });
    expect([...reviews.items.values()].map((r) => r.csat)).toEqual([2]);
  });

  it("skips a ticket no agent replied on", async () => {
    const { reviews, deps } = await setup(createHeuristicGrader(), [
      turn("customer", "hi"),
      turn("bot", "hello"),
    ]);
    expect(await reviewResolvedTickets(deps)).toMatchObject({ skipped: 1, scored: 0 });
    expect(reviews.items.size).toBe(0);
  });

  it("records a refused or malformed model answer as a failed review with its reason, never a score", async () => {
    const refusing: ConversationGrader = {
      info: { kind: "model", name: "m" },
      grade: async () => ({ ok: false, code: "malformed_output", reason: "no record_review call" }),
    };
    const { reviews, deps } = await setup(refusing, humanHandled);
    await reviewResolvedTickets(deps);
    const [review] = reviews.items.values();
    expect(review).toMatchObject({ status: "failed", failure: { code: "malformed_output" } });
    expect(review).not.toHaveProperty("overall");
    expect(review).not.toHaveProperty("scores");
  });

  it("tries a throwing grader again on later passes, then records the review as failed", async () => {
    const down: ConversationGrader = {
      info: { kind: "model", name: "m" },
      grade: async () => {
        throw Object.assign(new Error("throttled"), { name: "ThrottlingException" });
      },
    };
    const { tickets, reviews, deps } = await setup(down, humanHandled);
    expect((await reviewResolvedTickets(deps)).retrying).toBe(1);
    expect((await reviewResolvedTickets(deps)).retrying).toBe(1);
    expect(reviews.items.size).toBe(0);
    expect((await reviewResolvedTickets(deps)).failed).toBe(1);
    expect([...reviews.items.values()][0]).toMatchObject({
      status: "failed",
      failure: { code: "grader_unavailable" },
    });
    expect(tickets.reviewDue.size).toBe(0);
  });

  it("leaves alone tickets resolved before the window: switching reviews on does not grade the past", async () => {
    const { reviews, deps } = await setup(createHeuristicGrader(), humanHandled);
    await reviewResolvedTickets({ ...deps, now: () => new Date("2026-12-09T00:00:00.000Z") });
    expect(reviews.items.size).toBe(0);
  });

  it("does not review a ticket reopened since its resolve", async () => {
    const { tickets, reviews, deps } = await setup(createHeuristicGrader(), humanHandled);
    const item = tickets.items.get("KF-REVIEW01") as Ticket;
    item.status = "assigned";
    expect(await reviewResolvedTickets(deps)).toMatchObject({ skipped: 1 });
    expect(reviews.items.size).toBe(0);
  });
});
