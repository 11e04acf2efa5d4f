import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { FaqEntry } from "../../../shared/core/faq";
import type { TicketStore } from "../../../shared/core/pipeline/ports";
import { redact } from "../../../shared/core/redact";
import { normalizeTicketId } from "../../../shared/core/ticket";
import { FAQ_LIMITS } from "../../../shared/kb/faq-schema";
import {
  type ChangeStore,
  changeReportKey,
  changeRow,
  changeUploadKey,
  type PendingChange,
  validateChangeRow,
} from "../../../shared/kb/teach";
import { DeskApiError, type DeskRoute } from "../route";
import { parseBody, validationFailed } from "../router";

/** What teaching uses: the changes, the tickets, the current FAQ entries and the FAQ bucket. */
export interface TeachDeps {
  changes: ChangeStore;
  tickets: Pick<TicketStore, "get">;
  /** An entry of the current knowledge base, by id. */
  faqEntry(id: string): Promise<FaqEntry | undefined>;
  blobs: {
    put(key: string, body: string, contentType: string): Promise<void>;
    getText(key: string): Promise<string | undefined>;
  };
  newId?: () => string;
}

const Teach = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("phrasing"),
    faqId: z.string().trim().min(1).max(FAQ_LIMITS.idChars),
    text: z.string().trim().min(1).max(FAQ_LIMITS.questionChars),
  }),
  z.strictObject({
    // "Not our business": the customer's wording, recorded as out of scope (shared/kb/learned.ts).
    kind: z.literal("out_of_scope"),
    // Masked here too: the wording is kept in the knowledge base, where personal data never goes.
    text: z.string().trim().min(1).max(FAQ_LIMITS.questionChars).transform(redact),
  }),
  z.strictObject({
    kind: z.literal("entry"),
    question: z.string().trim().min(1).max(FAQ_LIMITS.questionChars),
    answer: z.string().trim().min(1).max(FAQ_LIMITS.answerChars),
    category: z.string().trim().min(1).max(FAQ_LIMITS.categoryChars).optional(),
  }),
]);
const Reject = z.strictObject({ note: z.string().trim().max(500).optional() });

const notFound = (what: string, zh: string) =>
  new DeskApiError(404, "not_found", `No such ${what}.`, `没有这个${zh}。`);

/** The import's report of an approved change, summarised as the contract's ImportReportSummary. */
async function withReport(change: PendingChange, deps: TeachDeps) {
  if (!change.upload) return change;
  const raw = await deps.blobs.getText(changeReportKey(change.upload));
  if (!raw)
    return { ...change, report: { upload: change.upload, status: "queued", counts: {}, rejected: [] } };
  const report = JSON.parse(raw) as {
    upload: string;
    version?: string | null;
    status: string;
    counts: Record<string, number>;
    rejected: { row: number; id?: string; field?: string; code: string; message: string }[];
    error?: { code: string; message: string };
    warning?: { code: string; message: string };
    finishedAt?: string;
  };
  return {
    ...change,
    report: {
      upload: report.upload,
      ...(report.version ? { version: report.version } : {}),
      status: report.status,
      counts: report.counts,
      rejected: report.rejected,
      ...(report.error ? { error: { code: report.error.code, message: report.error.message } } : {}),
      ...(report.warning ? { warning: { code: report.warning.code, message: report.warning.message } } : {}),
      ...(report.finishedAt ? { at: report.finishedAt } : {}),
    },
  };
}

async function pendingChange(id: string, deps: TeachDeps): Promise<PendingChange> {
  const change = await deps.changes.get(id);
  if (!change) throw notFound("change", "变更");
  if (change.status !== "pending") {
    throw new DeskApiError(409, "already_decided", "This change was already decided.", "该变更已被处理。");
  }
  return change;
}

export const teachRoutes: DeskRoute<TeachDeps>[] = [
  {
    method: "POST",
    path: "/tickets/:id/teach",
    groups: ["agent", "supervisor"],
    async handle(request, deps) {
      const ticketId = normalizeTicketId(request.params.id ?? "");
      const body = parseBody(Teach, request.body);
      if (!(await deps.tickets.get(ticketId))) throw notFound("ticket", "工单");
      const change: PendingChange = {
        id: (deps.newId ?? randomUUID)(),
        status: "pending",
        ticketId,
        author: request.user.id,
        createdAt: request.now.toISOString(),
        ...body,
      };
      // The import's own rules, now: a change that could not be imported is refused while the agent is here.
      const current = body.kind === "phrasing" ? await deps.faqEntry(body.faqId) : undefined;
      if (body.kind === "phrasing" && !current) throw validationFailed({ faqId: "no such FAQ entry" });
      const rejection = validateChangeRow(changeRow(change, current));
      if (rejection) throw validationFailed({ [rejection.field ?? "body"]: rejection.message });
      await deps.changes.create(change);
      return { status: 201, body: change };
    },
  },
  {
    method: "GET",
    path: "/changes",
    groups: ["agent", "supervisor"],
    async handle(request, deps) {
      const status = z.enum(["pending", "approved", "rejected"]).catch("pending").parse(request.query.status);
      const all = await deps.changes.list(status);
      // An agent sees their own; a supervisor sees everyone's.
      const mine = request.user.groups.includes("supervisor")
        ? all
        : all.filter((c) => c.author === request.user.id);
      return { status: 200, body: { changes: await Promise.all(mine.map((c) => withReport(c, deps))) } };
    },
  },
  {
    method: "POST",
    path: "/changes/:id/approve",
    groups: ["supervisor"],
    async handle(request, deps) {
      const change = await pendingChange(request.params.id ?? "", deps);
      const current =
        change.kind === "phrasing" && change.faqId ? await deps.faqEntry(change.faqId) : undefined;
      if (change.kind === "phrasing" && !current) {
        throw new DeskApiError(409, "conflict", "The FAQ entry no longer exists.", "该常见问题已不存在。");
      }
      const upload = changeUploadKey(change.id);
      // Written before the decision and named by the change: a retried approval writes the same file.
      await deps.blobs.put(upload, `${JSON.stringify(changeRow(change, current))}\n`, "application/x-ndjson");
      const decided = await deps.changes.decide(change.id, {
        status: "approved",
        by: request.user.id,
        at: request.now,
        upload,
      });
      if (!decided) await pendingChange(change.id, deps);
      const approved: PendingChange = {
        ...change,
        status: "approved",
        decidedBy: request.user.id,
        decidedAt: request.now.toISOString(),
        upload,
      };
      return { status: 200, body: await withReport(approved, deps) };
    },
  },
  {
    method: "POST",
    path: "/changes/:id/reject",
    groups: ["supervisor"],
    async handle(request, deps) {
      const { note } = parseBody(Reject, request.body);
      const change = await pendingChange(request.params.id ?? "", deps);
      const decision = {
        status: "rejected" as const,
        by: request.user.id,
        at: request.now,
        ...(note ? { note } : {}),
      };
      if (!(await deps.changes.decide(change.id, decision))) await pendingChange(change.id, deps);
      return {
        status: 200,
        body: {
          ...change,
          status: "rejected",
          decidedBy: request.user.id,
          decidedAt: request.now.toISOString(),
          ...(note ? { note } : {}),
        },
      };
    },
  },
];
