import { describe, expect, it } from "vitest";
import type { DeskApiError, DeskGroup, DeskRequest } from "../../../functions/desk-api/route";
import { type TeachDeps, teachRoutes } from "../../../functions/desk-api/routes/teach";
import { createLocalEngine } from "../../../shared/ai/local-engine";
import type { Ticket } from "../../../shared/core/ticket";
import { importUpload } from "../../../shared/kb/import/import";
import { withLearnedScope } from "../../../shared/kb/learned";
import type { PendingChange } from "../../../shared/kb/teach";
import { memoryChanges, memoryRepo, memoryTickets } from "../../../shared/stores/memory";
import { memoryBlobs } from "../../support/fakes";

const now = new Date("2026-12-01T10:00:00Z");
const FAQ = [
  {
    id: "refund",
    question: "怎么申请退款？",
    answer: "在「我的订单」里点「申请退款」，1–3 个工作日原路退回。",
    similar_questions: ["退款怎么弄"],
    category: "售后",
  },
  {
    id: "shipping",
    question: "多久发货？",
    answer: "付款后 48 小时内发货。",
    similar_questions: ["什么时候发货"],
  },
];
const TAUGHT = "钱能退回我的卡里吗";

async function setup() {
  const blobs = memoryBlobs();
  const repo = memoryRepo();
  const tickets = memoryTickets();
  const changes = memoryChanges();
  await blobs.put("uploads/faq.jsonl", FAQ.map((r) => JSON.stringify(r)).join("\n"), "application/x-ndjson");
  expect((await importUpload({ key: "uploads/faq.jsonl" }, { blobs, repo })).report.status).toBe("applied");
  await tickets.create({
    ticketId: "KF-TEACH001",
    conversationKey: "wechat:gh:o6",
    channel: "wechat",
    customerId: "o6",
    reason: "low_confidence",
    priority: "normal",
    status: "open",
    transcript: [],
    candidates: [],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  } satisfies Ticket);
  let n = 0;
  const deps: TeachDeps = {
    changes,
    tickets,
    faqEntry: async (id) => (await repo.loadEntries("default")).entries.find((e) => e.id === id),
    blobs,
    newId: () => `c${++n}`,
  };
  return { blobs, repo, changes, deps };
}

function call(
  method: DeskRequest["method"],
  path: string,
  deps: TeachDeps,
  options: {
    groups?: DeskGroup[];
    user?: string;
    body?: unknown;
    params?: Record<string, string>;
    query?: Record<string, string>;
  } = {},
) {
  const route = teachRoutes.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`no route ${method} ${path}`);
  return route.handle(
    {
      method,
      path,
      params: options.params ?? {},
      query: options.query ?? {},
      body: options.body,
      user: { id: options.user ?? "li", groups: options.groups ?? ["agent"] },
      now,
    },
    deps,
  );
}

describe("teaching the bot from a ticket", () => {
  it("only a supervisor approves or rejects", () => {
    const groups = Object.fromEntries(teachRoutes.map((r) => [`${r.method} ${r.path}`, r.groups]));
    expect(groups["POST /changes/:id/approve"]).toEqual(["supervisor"]);
    expect(groups["POST /changes/:id/reject"]).toEqual(["supervisor"]);
    expect(groups["POST /tickets/:id/teach"]).toContain("agent");
  });

  it("a taught phrasing waits, is approved into a new KB version by the import, and the bot then answers that wording", async () => {
    const { blobs, repo, deps } = await setup();
    const before = createLocalEngine((await repo.loadEntries("default")).entries);
    const taught = await call("POST", "/tickets/:id/teach", deps, {
      params: { id: "kf-teach001" },
      body: { kind: "phrasing", faqId: "refund", text: TAUGHT },
    });
    expect(taught).toMatchObject({
      status: 201,
      body: { id: "c1", status: "pending", ticketId: "KF-TEACH001", author: "li" },
    });
    const versionBefore = repo.meta.version;

    const approved = await call("POST", "/changes/:id/approve", deps, {
      groups: ["supervisor"],
      user: "wang",
      params: { id: "c1" },
    });
    const change = approved.body as PendingChange & { report: { status: string } };
    expect(change).toMatchObject({ status: "approved", decidedBy: "wang", upload: "uploads/teach-c1.jsonl" });
    expect(change.report.status).toBe("queued");

    // What the S3 notification does in AWS and the upload watcher locally: the import runs on the upload.
    const { report } = await importUpload({ key: "uploads/teach-c1.jsonl" }, { blobs, repo });
    expect(report).toMatchObject({ status: "applied", counts: { updated: 1, rejected: 0 } });
    expect(repo.meta.version).not.toBe(versionBefore);
    const refund = (await repo.loadEntries("default")).entries.find((e) => e.id === "refund");
    expect(refund?.similarQuestions).toEqual(["退款怎么弄", TAUGHT]);
    expect((await repo.loadEntries("default")).entries).toHaveLength(2);

    const listed = await call("GET", "/changes", deps, {
      groups: ["supervisor"],
      query: { status: "approved" },
    });
    expect(
      (listed.body as { changes: { report: { status: string; version?: string } }[] }).changes[0]?.report,
    ).toMatchObject({
      status: "applied",
      version: repo.meta.version,
    });

    const after = createLocalEngine((await repo.loadEntries("default")).entries);
    const input = { text: TAUGHT, history: [], language: "zh" as const };
    const decidedAfter = (await after.decide(input)).decision;
    expect(decidedAfter).toMatchObject({ kind: "answer", faqIds: ["refund"] });
    expect((await before.decide(input)).decision).not.toMatchObject({ kind: "answer", faqIds: ["refund"] });
  });

  it("a new entry is drafted, listed to its author and supervisors, and imported under its own id", async () => {
    const { blobs, repo, deps } = await setup();
    await call("POST", "/tickets/:id/teach", deps, {
      params: { id: "KF-TEACH001" },
      body: {
        kind: "entry",
        question: "可以开发票吗？",
        answer: "可以，在订单详情里申请电子发票。",
        category: "发票",
      },
    });
    expect((await call("GET", "/changes", deps, { user: "li" })).body).toMatchObject({
      changes: [{ id: "c1" }],
    });
    expect((await call("GET", "/changes", deps, { user: "zhao" })).body).toEqual({ changes: [] });
    expect(
      (await call("GET", "/changes", deps, { user: "zhao", groups: ["supervisor"] })).body,
    ).toMatchObject({ changes: [{ id: "c1" }] });
    await call("POST", "/changes/:id/approve", deps, { groups: ["supervisor"], params: { id: "c1" } });
    await importUpload({ key: "uploads/teach-c1.jsonl" }, { blobs, repo });
    expect((await repo.loadEntries("default")).entries.map((e) => e.id).sort()).toEqual([
      "refund",
      "shipping",
      "taught-c1",
    ]);
  });

  it("a wording marked out of scope is masked, approved into a new KB version, and then vetoed, not answered", async () => {
    const { blobs, repo, deps } = await setup();
    // Close to the refund entry's words, but about another shop's order: not this FAQ's business.
    const wording = "别家店买的东西怎么申请退款";
    const build = async () =>
      withLearnedScope((await repo.loadEntries("default")).entries, createLocalEngine);
    const input = { text: wording, history: [], language: "zh" as const };
    expect((await (await build()).decide(input)).decision).toMatchObject({
      kind: "answer",
      faqIds: ["refund"],
    });

    const marked = await call("POST", "/tickets/:id/teach", deps, {
      params: { id: "KF-TEACH001" },
      body: { kind: "out_of_scope", text: `${wording}，电话13812345678` },
    });
    expect(marked).toMatchObject({ status: 201, body: { kind: "out_of_scope", status: "pending" } });
    // Kept in the knowledge base, so masked whatever the agent typed.
    expect((marked.body as PendingChange).text).toBe(`${wording}，电话138****5678`);
    const versionBefore = repo.meta.version;
    await call("POST", "/changes/:id/approve", deps, { groups: ["supervisor"], params: { id: "c1" } });
    const { report } = await importUpload({ key: "uploads/teach-c1.jsonl" }, { blobs, repo });
    expect(report).toMatchObject({ status: "applied", counts: { inserted: 1, rejected: 0 } });
    expect(repo.meta.version).not.toBe(versionBefore);
    expect(repo.entries.get("out-of-scope-c1")).toMatchObject({
      question: `${wording}，电话138****5678`,
      answer: "",
      outOfScope: true,
    });

    const after = await build();
    expect((await after.decide(input)).decision).toMatchObject({ kind: "handoff", reason: "low_confidence" });
    expect(after.scope?.inScope(wording)).toBe(false);
    // The entry itself is still answered.
    expect((await after.decide({ ...input, text: "怎么申请退款？" })).decision).toMatchObject({
      kind: "answer",
      faqIds: ["refund"],
    });
  });

  it("refuses what the import would refuse, unknown entries and tickets, and a second decision", async () => {
    const { deps } = await setup();
    const refused = (body: unknown, id = "KF-TEACH001") =>
      call("POST", "/tickets/:id/teach", deps, { params: { id }, body }).catch(
        (e: unknown) => e as DeskApiError,
      );
    expect(await refused({ kind: "phrasing", faqId: "nope", text: "x" })).toMatchObject({
      status: 422,
      extra: { fields: { faqId: "no such FAQ entry" } },
    });
    expect(await refused({ kind: "entry", question: "q", answer: "a".repeat(4001) })).toMatchObject({
      status: 422,
    });
    expect(await refused({ kind: "entry", question: "", answer: "a" })).toMatchObject({ status: 422 });
    expect(await refused({ kind: "other" })).toMatchObject({ status: 422 });
    expect(await refused({ kind: "out_of_scope", text: " " })).toMatchObject({ status: 422 });
    expect(await refused({ kind: "phrasing", faqId: "refund", text: "x" }, "KF-NOPE0000")).toMatchObject({
      status: 404,
    });

    const { body } = await call("POST", "/tickets/:id/teach", deps, {
      params: { id: "KF-TEACH001" },
      body: { kind: "phrasing", faqId: "refund", text: "y" },
    });
    const id = (body as PendingChange).id;
    await call("POST", "/changes/:id/reject", deps, {
      groups: ["supervisor"],
      params: { id },
      body: { note: "too vague" },
    });
    await expect(
      call("POST", "/changes/:id/approve", deps, { groups: ["supervisor"], params: { id } }),
    ).rejects.toMatchObject({
      status: 409,
      code: "already_decided",
    });
    await expect(
      call("POST", "/changes/:id/approve", deps, { groups: ["supervisor"], params: { id: "zzz" } }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
