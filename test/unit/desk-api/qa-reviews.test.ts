import { describe, expect, it } from "vitest";
import type { DeskGroup } from "../../../functions/desk-api/route";
import { createRouter, mount } from "../../../functions/desk-api/router";
import { qualityRoutes } from "../../../functions/desk-api/routes/quality";
import { QaReviewsSchema } from "../../../shared/core/desk/wire";
import type { ConversationReview, Grade } from "../../../shared/core/quality/review";
import { memoryInspectionAudit } from "../../../shared/stores/inspection-audit";
import { memoryReviews } from "../../../shared/stores/memory";

/** GET /quality/reviews: the QA queue, lowest overall score first, for supervisors and admins only. */
const now = new Date("2026-12-01T10:00:00Z");
const grade = (n: number): Grade => ({
  empathy: { score: n, reasons: ["e"] },
  resolution: { score: n, reasons: ["r"] },
  accuracy: { score: n, reasons: ["a"] },
});
const review = (ticketId: string, resolvedAt: string, overall?: number): ConversationReview => {
  const base = {
    ticketId,
    channel: "wechat" as const,
    agent: "zhang",
    resolvedAt,
    reviewedAt: resolvedAt,
    grader: { kind: "heuristic" as const, name: "heuristic-v1" },
    faqIds: [],
  };
  return overall === undefined
    ? { ...base, status: "failed", failure: { code: "malformed_output", reason: "no record_review call" } }
    : { ...base, status: "scored", overall, scores: grade(Math.round(overall)) };
};

async function setup() {
  const reviews = memoryReviews();
  for (const r of [
    review("KF-GOOD", "2026-12-01T08:00:00Z", 4.6),
    review("KF-FAILED", "2026-12-01T08:30:00Z"),
    review("KF-BAD", "2026-11-30T09:00:00Z", 1.8),
    review("KF-MID", "2026-11-29T09:00:00Z", 3.2),
    // Resolved again later: the newer review is the one listed.
    review("KF-AGAIN", "2026-11-28T09:00:00Z", 1.0),
    review("KF-AGAIN", "2026-11-30T10:00:00Z", 4.0),
    // Outside a 7-day range ending today.
    review("KF-OLD", "2026-11-20T09:00:00Z", 1.0),
  ])
    await reviews.put(r);
  const router = createRouter(
    mount(qualityRoutes, {
      rules: async () => undefined,
      audit: memoryInspectionAudit(),
      tickets: { get: async () => undefined },
      reviews,
      reviewGrader: "heuristic",
    }),
    { authenticate: async (token) => ({ id: "u", groups: (token ?? "").split(",") as DeskGroup[] }) },
  );
  return (groups: string, query: Record<string, string> = {}) =>
    router({ method: "GET", path: "/quality/reviews", query, body: undefined, authorization: groups, now });
}

describe("GET /quality/reviews", () => {
  it("lists a supervisor the week's reviews, lowest score first, failed ones last, one per ticket", async () => {
    const get = await setup();
    const response = await get("supervisor", { sort: "score" });
    expect(response.status).toBe(200);
    const body = QaReviewsSchema.parse(response.body);
    expect(body.grader).toBe("heuristic");
    expect(body.reviews.map((r) => r.ticketId)).toEqual([
      "KF-BAD",
      "KF-MID",
      "KF-AGAIN",
      "KF-GOOD",
      "KF-FAILED",
    ]);
  });

  it("lists the newest resolve first with sort=recent", async () => {
    const get = await setup();
    const body = QaReviewsSchema.parse((await get("admin", { sort: "recent" })).body);
    expect(body.reviews.map((r) => r.ticketId)).toEqual([
      "KF-FAILED",
      "KF-GOOD",
      "KF-AGAIN",
      "KF-BAD",
      "KF-MID",
    ]);
  });

  it("refuses agents (403) and an unknown sort (422)", async () => {
    const get = await setup();
    expect((await get("agent")).status).toBe(403);
    expect((await get("supervisor", { sort: "name" })).status).toBe(422);
  });
});
