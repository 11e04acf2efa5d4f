import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { FaqEntry } from "../../../shared/core/faq";
import type { TicketStore } from "../../../shared/core/pipeline/ports";
import { redact } from "../../../shared/core/redact";
import type { Ticket } from "../../../shared/core/ticket";
import { FAQ_LIMITS } from "../../../shared/kb/faq-schema";
import type { Retriever } from "../../../shared/kb/retrieval";
import {
  type LearningSuggestion,
  SUGGESTION_HANDLED,
  type SuggestOptions,
  suggest,
  unansweredFromTickets,
} from "../../../shared/kb/suggestions";
import { type ChangeStore, changeRow, type PendingChange, validateChangeRow } from "../../../shared/kb/teach";
import { DeskApiError, type DeskRequest, type DeskRoute } from "../route";
import { parseBody, validationFailed } from "../router";

/**
 * Suggestions for supervisors (docs/desk-api.md): what customers asked that the bot handed off, grouped
 * by topic (shared/kb/suggestions.ts), and the three things to do with one. Teaching creates pending
 * changes through shared/kb/teach.ts, so an approval imports them like any FAQ file (validated, a new
 * KB version, a snapshot); a decision also leaves a desk event on each ticket of the suggestion, which
 * takes its question out of the list and tells the ticket's readers what became of it.
 */
export interface SuggestionRoutesDeps {
  tickets: Pick<TicketStore, "listByStatus" | "append">;
  changes: ChangeStore;
  /** The current knowledge base: closest entries, and the entry a phrasing is added to. */
  retriever: Retriever;
  faqEntry(id: string): Promise<FaqEntry | undefined>;
  /** Embeddings in AWS (Bedrock); lexical vectors when absent. */
  vectors?: SuggestOptions["vectors"];
  /** The similarity that joins a question to a topic: it depends on the vectors (lexical by default). */
  threshold?: number;
  /** Tickets read per status: bounds the work of one listing. */
  ticketsPerStatus?: number;
  newId?: () => string;
}

const STATUSES: Ticket["status"][] = ["open", "assigned", "resolved"];
const WINDOW_DAYS = 30;

const Phrasings = z.strictObject({
  faqId: z.string().trim().min(1).max(FAQ_LIMITS.idChars),
  /** Which of the suggestion's example wordings to add (all of them when absent). */
  texts: z.array(z.string().trim().min(1).max(FAQ_LIMITS.questionChars)).min(1).max(20).optional(),
});
const Entry = z.strictObject({
  question: z.string().trim().min(1).max(FAQ_LIMITS.questionChars),
  answer: z.string().trim().min(1).max(FAQ_LIMITS.answerChars),
  category: z.string().trim().min(1).max(FAQ_LIMITS.categoryChars).optional(),
});
const Dismiss = z.strictObject({ note: z.string().trim().max(500).optional() });
const OutOfScope = z.strictObject({
  /** Which of the suggestion's example wordings to record (all of them when absent). */
  texts: z.array(z.string().trim().min(1).max(FAQ_LIMITS.questionChars)).min(1).max(20).optional(),
  note: z.string().trim().max(500).optional(),
});

/**
 * The suggestions of the last `days` days (hand-offs the bot could not answer, not yet handled), and how
 * many of those questions were asked only once, so in no suggestion (SUGGESTION_MIN_COUNT): the report's
 * top unanswered lists them, and the page says where they went rather than look as if nothing was missed.
 */
async function current(
  deps: SuggestionRoutesDeps,
  now: Date,
  days = WINDOW_DAYS,
): Promise<{ suggestions: LearningSuggestion[]; askedOnce: number }> {
  const since = new Date(now.getTime() - days * 86_400_000).toISOString();
  const lists = await Promise.all(
    STATUSES.map((s) => deps.tickets.listByStatus(s, deps.ticketsPerStatus ?? 500)),
  );
  const tickets = lists.flat().filter((t) => t.createdAt >= since);
  const questions = unansweredFromTickets(tickets);
  const suggestions = await suggest(questions, {
    retriever: deps.retriever,
    vectors: deps.vectors,
    ...(deps.threshold !== undefined ? { threshold: deps.threshold } : {}),
  });
  return { suggestions, askedOnce: questions.length - suggestions.reduce((n, s) => n + s.count, 0) };
}

async function find(deps: SuggestionRoutesDeps, request: DeskRequest): Promise<LearningSuggestion> {
  const found = (await current(deps, request.now)).suggestions.find((s) => s.id === request.params.id);
  if (!found)
    throw new DeskApiError(
      404,
      "not_found",
      "No such suggestion (it may have been handled).",
      "没有这个建议（可能已处理）。",
    );
  return found;
}

/** Leaves the decision on each ticket of the suggestion (a desk event, never sent to the customer). */
async function markHandled(
  deps: SuggestionRoutesDeps,
  s: LearningSuggestion,
  what: string,
  request: DeskRequest,
) {
  const at = request.now.toISOString();
  for (const ticketId of s.ticketIds) {
    await deps.tickets.append(
      ticketId,
      { role: "system", text: `${SUGGESTION_HANDLED} ${what}`, at, agent: request.user.id },
      { now: request.now, id: `suggestion:${s.id}:${ticketId}` },
    );
  }
}

function pending(
  request: DeskRequest,
  deps: SuggestionRoutesDeps,
  s: LearningSuggestion,
  fields: Partial<PendingChange>,
) {
  return {
    id: (deps.newId ?? randomUUID)(),
    status: "pending",
    author: request.user.id,
    createdAt: request.now.toISOString(),
    suggestionId: s.id,
    ...(s.ticketIds[0] ? { ticketId: s.ticketIds[0] } : {}),
    ...fields,
  } as PendingChange;
}

/** The wordings a request names, each one of the suggestion's examples (all of them when none is named). */
function examplesChosen(s: LearningSuggestion, texts: string[] | undefined, verb: string): string[] {
  const chosen = texts ?? s.examples;
  if (chosen.some((t) => !s.examples.includes(t)))
    throw validationFailed({ texts: `only the suggestion's example wordings can be ${verb}` });
  return chosen;
}

/**
 * Proposes a change made from a suggestion: checked against the import's rules first (the row it would
 * import), stored as pending, and the decision left on the suggestion's tickets.
 */
async function propose(
  request: DeskRequest,
  deps: SuggestionRoutesDeps,
  s: LearningSuggestion,
  change: PendingChange,
  row: { entry?: FaqEntry; field: string; what: string; note?: string },
) {
  const rejection = validateChangeRow(changeRow(change, row.entry));
  if (rejection) throw validationFailed({ [rejection.field ?? row.field]: rejection.message });
  await deps.changes.create(change);
  const note = row.note ? `: ${row.note}` : "";
  await markHandled(deps, s, `${row.what}, pending approval (change ${change.id})${note}`, request);
  return { status: 201, body: { changes: [change] } };
}

export const suggestionRoutes: DeskRoute<SuggestionRoutesDeps>[] = [
  {
    method: "GET",
    path: "/insights/suggestions",
    groups: ["supervisor", "admin"],
    async handle(request, deps) {
      const days = z.coerce.number().int().min(1).max(90).catch(WINDOW_DAYS).parse(request.query.days);
      return { status: 200, body: await current(deps, request.now, days) };
    },
  },
  {
    method: "POST",
    path: "/insights/suggestions/:id/phrasings",
    groups: ["supervisor", "admin"],
    async handle(request, deps) {
      const body = parseBody(Phrasings, request.body);
      const s = await find(deps, request);
      const texts = examplesChosen(s, body.texts, "taught");
      const entry = await deps.faqEntry(body.faqId);
      if (!entry) throw validationFailed({ faqId: "no such FAQ entry" });
      // One change for all the wordings: one approval, one import, checked against the entry's limits.
      const change = pending(request, deps, s, {
        kind: "phrasing",
        faqId: body.faqId,
        text: texts[0] as string,
        texts,
      });
      return propose(request, deps, s, change, {
        entry,
        field: "texts",
        what: `taught as ${texts.length} phrasing(s) of ${body.faqId}`,
      });
    },
  },
  {
    method: "POST",
    path: "/insights/suggestions/:id/entry",
    groups: ["supervisor", "admin"],
    async handle(request, deps) {
      const body = parseBody(Entry, request.body);
      const s = await find(deps, request);
      const change = pending(request, deps, s, { kind: "entry", ...body });
      return propose(request, deps, s, change, { field: "body", what: "drafted as a new FAQ entry" });
    },
  },
  {
    method: "POST",
    path: "/insights/suggestions/:id/out-of-scope",
    groups: ["supervisor", "admin"],
    async handle(request, deps) {
      const body = parseBody(OutOfScope, request.body);
      const s = await find(deps, request);
      const chosen = examplesChosen(s, body.texts, "recorded");
      // The examples are masked already; masked again because they are kept in the knowledge base.
      const texts = [...new Set(chosen.map(redact))];
      const change = pending(request, deps, s, {
        kind: "out_of_scope",
        text: texts[0] as string,
        texts,
      });
      return propose(request, deps, s, change, {
        field: "texts",
        what: `proposed as out of scope (${texts.length} wording(s))`,
        ...(body.note ? { note: body.note } : {}),
      });
    },
  },
  {
    method: "POST",
    path: "/insights/suggestions/:id/dismiss",
    groups: ["supervisor", "admin"],
    async handle(request, deps) {
      const { note } = parseBody(Dismiss, request.body);
      const s = await find(deps, request);
      await markHandled(deps, s, `dismissed${note ? `: ${note}` : ""}`, request);
      return { status: 200, body: { dismissed: s.id, tickets: s.ticketIds.length } };
    },
  },
];
