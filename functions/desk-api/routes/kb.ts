import { z } from "zod";
import type { DeskTicket } from "../../../shared/core/desk/desk";
import type { FaqHit, Suggestion } from "../../../shared/core/desk/wire";
import type { FaqEntry } from "../../../shared/core/faq";
import { FAQ_FILE_EXTENSIONS } from "../../../shared/core/faq-files";
import { normalizeTicketId } from "../../../shared/core/ticket";
import { type ImportReport, RestoreError, requestRestore } from "../../../shared/kb/import/import";
import { formatOf } from "../../../shared/kb/import/parse";
import type { BlobStore, FaqRepository } from "../../../shared/kb/import/ports";
import { FAQ_BUCKET } from "../../../shared/resources";
import { DeskApiError, type DeskRoute } from "../route";
import { notFound, parseBody, parseQuery, validationFailed } from "../router";

/** What the knowledge-base routes use; functions/desk-api/wiring.ts builds it. */
export interface KbRoutesDeps {
  /** The knowledge base the desk works on (KEFU_KB). */
  kb: string;
  /** The current FAQ's best entries for a query (the engine's retrieval), best first. */
  search(query: string, limit: number): Promise<FaqHit[]>;
  faqEntries(ids: string[]): Promise<Map<string, FaqEntry>>;
  ticket(ticketId: string): Promise<DeskTicket | undefined>;
  /**
   * A model-written draft grounded in the approved answers and the conversation (AWS with Bedrock);
   * absent with the local engine, which writes no text of its own.
   */
  draft?(ticket: DeskTicket, grounding: Suggestion[]): Promise<string | undefined>;
  /** A presigned PUT of this object key, valid a few minutes, and the headers the browser must send. */
  presignUpload(key: string): Promise<{ url: string; headers: Record<string, string> }>;
  /** The import reports, newest first (at most `limit`). */
  reports(limit: number): Promise<ImportReport[]>;
  report(name: string): Promise<ImportReport | undefined>;
  repo: FaqRepository;
  blobs: BlobStore;
}

/** Candidates offered as drafts: the bot's top few. */
const SUGGESTED_CANDIDATES = 3;
const SEARCH_LIMIT = 10;

const SearchQuery = z.object({ q: z.string().trim().max(500).default("") });
const UploadSchema = z.object({
  fileName: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((name) => formatOf(name) !== undefined, `must be ${FAQ_FILE_EXTENSIONS.join(", ")}`),
});

/** The report of an upload as the desk lists it (ImportReportSummary of the contract). */
export function reportSummary(report: ImportReport) {
  const name = report.upload.startsWith(FAQ_BUCKET.uploadsPrefix)
    ? report.upload.slice(FAQ_BUCKET.uploadsPrefix.length)
    : report.upload;
  return {
    upload: name,
    ...(report.version ? { version: report.version } : {}),
    status: report.status,
    counts: report.counts as unknown as Record<string, number>,
    rejected: report.rejected.map((r) => ({
      row: r.row,
      ...(r.id ? { id: r.id } : {}),
      ...(r.field ? { field: r.field } : {}),
      code: r.code,
      message: r.message,
    })),
    // What the admin must read to fix a file refused whole (a missing column) or that held no rows.
    ...(report.error ? { error: { code: report.error.code, message: report.error.message } } : {}),
    ...(report.warning ? { warning: { code: report.warning.code, message: report.warning.message } } : {}),
    at: report.finishedAt,
  };
}

/** An upload's name under uploads/: when, then the file's own name reduced to safe characters. */
export function uploadName(fileName: string, now: Date): string {
  const base = fileName.split(/[\\/]/).pop() ?? "faq.csv";
  const safe = base.replace(/[^\w.\-\u4e00-\u9fff]/g, "_").slice(-120);
  return `${now.toISOString().replace(/[:.]/g, "-")}-${safe}`;
}

export const kbRoutes: DeskRoute<KbRoutesDeps>[] = [
  {
    method: "GET",
    path: "/faq/search",
    groups: ["agent"],
    async handle(request, deps) {
      const { q } = parseQuery(SearchQuery, request.query);
      return { status: 200, body: { hits: q ? await deps.search(q, SEARCH_LIMIT) : [] } };
    },
  },
  {
    method: "GET",
    path: "/tickets/:id/suggestions",
    groups: ["agent"],
    async handle(request, deps) {
      const ticket = await deps.ticket(normalizeTicketId(request.params.id ?? ""));
      if (!ticket) throw notFound("No such ticket.");
      // Entries the customer already said were not what they meant are no answer to suggest.
      const top = ticket.candidates
        .filter((c) => !c.rejectedByCustomer)
        .sort((a, b) => b.score - a.score)
        .slice(0, SUGGESTED_CANDIDATES);
      const entries = await deps.faqEntries(top.map((c) => c.faqId));
      // Approved answers only: an entry removed from the FAQ since the hand-off is not offered.
      const suggestions: Suggestion[] = top.flatMap((candidate) => {
        const entry = entries.get(candidate.faqId);
        return entry
          ? [
              {
                id: `faq:${entry.id}`,
                kind: "faq" as const,
                faqId: entry.id,
                text: entry.answer,
                score: candidate.score,
              },
            ]
          : [];
      });
      const drafted =
        deps.draft && suggestions.length > 0 ? await deps.draft(ticket, suggestions) : undefined;
      if (drafted) suggestions.unshift({ id: `model:${ticket.ticketId}`, kind: "model", text: drafted });
      return { status: 200, body: { suggestions } };
    },
  },
  {
    method: "POST",
    path: "/faq/uploads",
    groups: ["admin"],
    async handle(request, deps) {
      const { fileName } = parseBody(UploadSchema, request.body);
      const name = uploadName(fileName, request.now);
      const prefix = deps.kb === "default" ? "" : `${deps.kb}/`;
      const key = `${FAQ_BUCKET.uploadsPrefix}${prefix}${name}`;
      const { url, headers } = await deps.presignUpload(key);
      return { status: 200, body: { url, key, headers, name: `${prefix}${name}` } };
    },
  },
  {
    method: "GET",
    path: "/faq/imports",
    groups: ["admin"],
    async handle(_request, deps) {
      const reports = await deps.reports(50);
      return { status: 200, body: { imports: reports.map(reportSummary) } };
    },
  },
  {
    method: "GET",
    path: "/faq/imports/:name",
    groups: ["admin"],
    async handle(request, deps) {
      const name = request.params.name ?? "";
      if (name.includes("..")) throw validationFailed({ name: "not an upload name" });
      const report = await deps.report(name);
      // A report that says "queued" or is still running is shown as it stands.
      if (!report) throw notFound("No report yet for this upload.");
      return { status: 200, body: reportSummary(report) };
    },
  },
  {
    method: "GET",
    path: "/faq/versions",
    groups: ["admin"],
    async handle(_request, deps) {
      const meta = await deps.repo.getMeta(deps.kb);
      return {
        status: 200,
        body: {
          current: meta.version ?? null,
          versions: meta.history.map((h) => ({ version: h.version, at: h.at, entries: h.entryCount })),
        },
      };
    },
  },
  {
    method: "POST",
    path: "/faq/versions/:version/restore",
    groups: ["admin"],
    async handle(request, deps) {
      try {
        await requestRestore({ kb: deps.kb, version: request.params.version ?? "" }, deps);
      } catch (error) {
        if (error instanceof RestoreError) {
          throw new DeskApiError(409, "version_mismatch", error.message, "无法恢复到该版本。");
        }
        throw error;
      }
      return { status: 200, body: { requested: true } };
    },
  },
];
