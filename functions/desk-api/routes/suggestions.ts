import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { FaqEntry } from "../../../shared/core/faq";
import type { PickStore, StoredPick } from "../../../shared/core/picks";
import type { TicketStore } from "../../../shared/core/pipeline/ports";
import { redact } from "../../../shared/core/redact";
import type { Ticket } from "../../../shared/core/ticket";
import { FAQ_LIMITS } from "../../../shared/kb/faq-schema";
import { pickSuggestions } from "../../../shared/kb/picks";
import type { Retriever } from "../../../shared/kb/retrieval";
import {
  type LearningSuggestion,
  SUGGESTION_HANDLED,
  type SuggestOptions,
  suggest,
  unansweredFromTickets,
  wordingKey,
} from "../../../shared/kb/suggestions";
import { type ChangeStore, changeRow, type PendingChange, validateChangeRow } from "../../../shared/kb/teach";
import { RETENTION } from "../../../shared/resources";
import { DeskApiError, type DeskRequest, type DeskRoute } from "../route";
import { parseBody, validationFailed } from "../router";

/**
 * Suggestions for supervisors (docs/desk-api.md): what customers asked that the bot handed off, grouped
 * by topic (shared/kb/suggestions.ts), what customers picked when the bot offered options (shared/kb/
 * picks.ts), and the things to do with one. Teaching creates pending
 * changes through shared/kb/teach.ts, so an approval imports them like any FAQ file (validated, a new
 * KB version, a snapshot); a decision also leaves a desk event on each ticket of the suggestion, which
 * takes its question out of the list and tells the ticket's readers what became of it; on a suggestion
 * of picks, the decision is written on its picks instead.
 */
export interface SuggestionRoutesDeps {
  tickets: Pick<TicketStore, "listByStatus" | "append">;
  changes: ChangeStore;
  /** The current knowledge base: closest entries, and the entry a phrasing is added to. */
  retriever: Retriever;
  faqEntry(id: string): Promise<FaqEntry | undefined>;
  /** Customers' clarify picks (the worker records them); no pick suggestions when absent. */
  picks?: Pick<PickStore, "listDays" | "markHandled">;
  /** Embeddings in AWS (Bedrock); lexical vectors when absent. */
  vectors?: SuggestOptions["vectors"];
  /** The similarity that joins a question to a topic: it depends on the vectors (lexical by default). */
  threshold?: number;
  /** Tickets read per status: bounds the work of one listing. */
  ticketsPerStatus?: number;
  newId?: () => string;
  /** The picks could not be read: the hand-off suggestions are listed without them. */
  onPicksError?(error: unknown): void;
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

/** The suggestions of a window, and the picks behind each suggestion made of picks. */
interface Current {
  suggestions: LearningSuggestion[];
  askedOnce: number;
  picksOf: Map<string, StoredPick[]>;
}

/**
 * The suggestions of the last `days` days: hand-offs the bot could not answer and customers' clarify
 * picks, not yet handled, the larger first; and how many of those hand-off questions were asked only
 * once, so in no suggestion (SUGGESTION_MIN_COUNT): the report's top unanswered lists them, and the page
 * says where they went rather than look as if nothing was missed.
 */
async function current(deps: SuggestionRoutesDeps, now: Date, days = WINDOW_DAYS): Promise<Current> {
  const since = new Date(now.getTime() - days * 86_400_000).toISOString();
  const [lists, picked] = await Promise.all([
    Promise.all(STATUSES.map((s) => deps.tickets.listByStatus(s, deps.ticketsPerStatus ?? 500))),
    // Picks are a second source: a fault in their table must not take the hand-off suggestions with it.
    currentPicks(deps, now, days).catch((error: unknown) => {
      deps.onPicksError?.(error);
      return [];
    }),
  ]);
  const tickets = lists.flat().filter((t) => t.createdAt >= since);
  const questions = unansweredFromTickets(tickets);
  const unanswered = await suggest(questions, {
    retriever: deps.retriever,
    vectors: deps.vectors,
    ...(deps.threshold !== undefined ? { threshold: deps.threshold } : {}),
  });
  const suggestions = [...picked.map((p) => p.suggestion), ...unanswered].sort((a, b) => b.count - a.count);
  return {
    suggestions,
    askedOnce: questions.length - unanswered.reduce((n, s) => n + s.count, 0),
    picksOf: new Map(picked.map((p) => [p.suggestion.id, p.picks])),
  };
}

/**
 * The picks of the window's UTC days, grouped by entry picked. A longer window than the picks are kept
 * (RETENTION.pickDays) reads only the days that may still hold some.
 */
async function currentPicks(deps: SuggestionRoutesDeps, now: Date, days: number) {
  if (!deps.picks) return [];
  const since = new Date(now.getTime() - days * 86_400_000).toISOString();
  const dayList = Array.from({ length: Math.min(days, RETENTION.pickDays) + 1 }, (_, i) =>
    new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10),
  );
  const picks = (await deps.picks.listDays(dayList)).filter((p) => p.at >= since && !p.handled);
  const ids = [...new Set(picks.map((p) => p.faqId))];
  const found = await Promise.all(ids.map(async (id) => [id, await deps.faqEntry(id)] as const));
  const entries = new Map(found.flatMap(([id, entry]) => (entry ? [[id, entry] as const] : [])));
  return pickSuggestions(picks, entries);
}

/** A suggestion acted on, and the picks behind it when it is made of picks. */
interface Found {
  s: LearningSuggestion;
  picks: StoredPick[];
}

async function find(deps: SuggestionRoutesDeps, request: DeskRequest): Promise<Found> {
  const now = await current(deps, request.now);
  const found = now.suggestions.find((s) => s.id === request.params.id);
  if (!found)
    throw new DeskApiError(
      404,
      "not_found",
      "No such suggestion (it may have been handled).",
      "没有这个建议（可能已处理）。",
    );
  return { s: found, picks: now.picksOf.get(found.id) ?? [] };
}

/**
 * Leaves the decision on each ticket of the suggestion (a desk event, never sent to the customer), or on
 * its picks: those of the wordings decided on (`texts`; all of them when absent), variants included. A
 * pick whose wording was left out stays, in the suggestion of its entry.
 */
async function markHandled(
  deps: SuggestionRoutesDeps,
  { s, picks }: Found,
  what: string,
  request: DeskRequest,
  texts?: readonly string[],
) {
  const at = request.now.toISOString();
  for (const ticketId of s.ticketIds) {
    await deps.tickets.append(
      ticketId,
      { role: "system", text: `${SUGGESTION_HANDLED} ${what}`, at, agent: request.user.id },
      { now: request.now, id: `suggestion:${s.id}:${ticketId}` },
    );
  }
  // An example stands for its variants ("…card?" beside "…card"): they are decided with it.
  const keys = texts && new Set(texts.map(wordingKey));
  const decided = keys ? picks.filter((p) => keys.has(wordingKey(p.wording))) : picks;
  if (decided.length > 0) await deps.picks?.markHandled(decided, `${what} (${request.user.id}, ${at})`);
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
  found: Found,
  change: PendingChange,
  row: { entry?: FaqEntry; field: string; what: string; note?: string; texts?: string[] },
) {
  const rejection = validateChangeRow(changeRow(change, row.entry));
  if (rejection) throw validationFailed({ [rejection.field ?? row.field]: rejection.message });
  await deps.changes.create(change);
  const note = row.note ? `: ${row.note}` : "";
  const what = `${row.what}, pending approval (change ${change.id})${note}`;
  await markHandled(deps, found, what, request, row.texts);
  return { status: 201, body: { changes: [change] } };
}

/**
 * Proposes one change of several of the suggestion's wordings (phrasings of an entry, out-of-scope
 * rows), the first of them its `text`; the wordings `decided` (as the request named them) are handled.
 */
function proposeWordings(
  request: DeskRequest,
  deps: SuggestionRoutesDeps,
  found: Found,
  kind: { kind: "phrasing"; faqId: string } | { kind: "out_of_scope" },
  texts: string[],
  row: { entry?: FaqEntry; what: string; note?: string; decided: string[] },
) {
  const { decided, ...rest } = row;
  const change = pending(request, deps, found.s, { ...kind, text: texts[0] as string, texts });
  return propose(request, deps, found, change, { ...rest, field: "texts", texts: decided });
}

export const suggestionRoutes: DeskRoute<SuggestionRoutesDeps>[] = [
  {
    method: "GET",
    path: "/insights/suggestions",
    groups: ["supervisor", "admin"],
    async handle(request, deps) {
      const days = z.coerce.number().int().min(1).max(90).catch(WINDOW_DAYS).parse(request.query.days);
      const { suggestions, askedOnce } = await current(deps, request.now, days);
      return { status: 200, body: { suggestions, askedOnce } };
    },
  },
  {
    method: "POST",
    path: "/insights/suggestions/:id/phrasings",
    groups: ["supervisor", "admin"],
    async handle(request, deps) {
      const body = parseBody(Phrasings, request.body);
      const found = await find(deps, request);
      const texts = examplesChosen(found.s, body.texts, "taught");
      const entry = await deps.faqEntry(body.faqId);
      if (!entry) throw validationFailed({ faqId: "no such FAQ entry" });
      // One change for all the wordings: one approval, one import, checked against the entry's limits.
      return proposeWordings(request, deps, found, { kind: "phrasing", faqId: body.faqId }, texts, {
        entry,
        what: `taught as ${texts.length} phrasing(s) of ${body.faqId}`,
        decided: texts,
      });
    },
  },
  {
    method: "POST",
    path: "/insights/suggestions/:id/entry",
    groups: ["supervisor", "admin"],
    async handle(request, deps) {
      const body = parseBody(Entry, request.body);
      const found = await find(deps, request);
      const change = pending(request, deps, found.s, { kind: "entry", ...body });
      return propose(request, deps, found, change, { field: "body", what: "drafted as a new FAQ entry" });
    },
  },
  {
    method: "POST",
    path: "/insights/suggestions/:id/out-of-scope",
    groups: ["supervisor", "admin"],
    async handle(request, deps) {
      const body = parseBody(OutOfScope, request.body);
      const found = await find(deps, request);
      const chosen = examplesChosen(found.s, body.texts, "recorded");
      // The examples are masked already; masked again because they are kept in the knowledge base.
      const texts = [...new Set(chosen.map(redact))];
      return proposeWordings(request, deps, found, { kind: "out_of_scope" }, texts, {
        what: `proposed as out of scope (${texts.length} wording(s))`,
        ...(body.note ? { note: body.note } : {}),
        decided: chosen,
      });
    },
  },
  {
    method: "POST",
    path: "/insights/suggestions/:id/dismiss",
    groups: ["supervisor", "admin"],
    async handle(request, deps) {
      const { note } = parseBody(Dismiss, request.body);
      const found = await find(deps, request);
      await markHandled(deps, found, `dismissed${note ? `: ${note}` : ""}`, request);
      return { status: 200, body: { dismissed: found.s.id, tickets: found.s.ticketIds.length } };
    },
  },
];
