import type { FaqEntry } from "../core/faq";
import { FAQ_BUCKET } from "../resources";
import { type Rejection, validateRow } from "./faq-schema";

/**
 * Teaching the bot from a ticket: "this question is FAQ X" adds the customer's wording as a phrasing of
 * X; "save my reply as a new FAQ entry" drafts an entry; "not our business" records the wording as out of
 * scope (the bot withholds answers near it, shared/kb/learned.ts). All three wait as pending changes until a supervisor
 * approves; approval writes the change as a one-row upload under uploads/, so it is imported exactly like
 * any FAQ file: the same validation, a report under reports/, a new knowledge-base version and its
 * snapshot (a restore rolls it back).
 */

export type ChangeStatus = "pending" | "approved" | "rejected";

export interface PendingChange {
  id: string;
  kind: "phrasing" | "entry" | "out_of_scope";
  status: ChangeStatus;
  faqId?: string;
  /** The customer's wording (phrasing, out of scope). */
  text?: string;
  /**
   * Several wordings at once (a suggestion turned into phrasings; `text` is the first of them): one
   * change and one approval, so no two approvals of the same entry race each other's imports.
   */
  texts?: string[];
  /** The suggestion the change came from (functions/desk-api/routes/suggestions.ts). */
  suggestionId?: string;
  question?: string;
  answer?: string;
  category?: string;
  ticketId?: string;
  author: string;
  createdAt: string;
  decidedBy?: string;
  decidedAt?: string;
  note?: string;
  /** The upload key an approval wrote (its report is `reports/<name>.json`). */
  upload?: string;
}

/** The id a taught entry gets in the knowledge base. */
export const taughtEntryId = (changeId: string) => `taught-${changeId}`;

/** The id of the out-of-scope wordings an approved change adds (one item per change: no two race). */
export const outOfScopeEntryId = (changeId: string) => `out-of-scope-${changeId}`;

/** The upload an approved change is imported from (the default knowledge base). */
export const changeUploadKey = (changeId: string) => `${FAQ_BUCKET.uploadsPrefix}teach-${changeId}.jsonl`;

/** Where the import's report of an upload lands. */
export const changeReportKey = (uploadKey: string) =>
  `${FAQ_BUCKET.reportsPrefix}${uploadKey.slice(FAQ_BUCKET.uploadsPrefix.length)}.json`;

/**
 * The FAQ row an approved change imports: the whole entry X with the new phrasing added (an upsert
 * replaces the entry, so its other phrasings are carried over), the new entry, or the out-of-scope
 * wordings (a row of their own, never answered).
 */
export function changeRow(change: PendingChange, current?: FaqEntry): Record<string, unknown> {
  if (change.kind === "out_of_scope") {
    // No wording at all is left to the import's validation (missing question), as for any row.
    const [first = "", ...rest] = wordings(change);
    return { id: outOfScopeEntryId(change.id), question: first, similar_questions: rest, out_of_scope: true };
  }
  if (change.kind === "phrasing") {
    if (!current || !change.text) throw new Error("a phrasing needs its entry and text");
    const similar = [...current.similarQuestions];
    for (const text of [change.text, ...(change.texts ?? [])])
      if (text !== current.question && !similar.includes(text)) similar.push(text);
    return {
      id: current.id,
      question: current.question,
      answer: current.answer,
      similar_questions: similar,
      ...(current.category ? { category: current.category } : {}),
      ...(current.translationOf ? { translation_of: current.translationOf } : {}),
    };
  }
  return {
    id: taughtEntryId(change.id),
    question: change.question,
    answer: change.answer,
    ...(change.category ? { category: change.category } : {}),
  };
}

/** The change's wordings, `text` first, each once. */
function wordings(change: PendingChange): string[] {
  return [...new Set([change.text, ...(change.texts ?? [])].filter((t): t is string => !!t))];
}

/** The import's own validation of the row, run when the change is taught (the same limits, the same words). */
export function validateChangeRow(row: Record<string, unknown>): Rejection | undefined {
  const result = validateRow({ row: 1, fields: row }, "en");
  return "code" in result ? result : undefined;
}

/** The pending changes (shared/stores/changes.ts in DynamoDB). */
export interface ChangeStore {
  create(change: PendingChange): Promise<void>;
  get(id: string): Promise<PendingChange | undefined>;
  /** Newest first. */
  list(status: ChangeStatus, limit?: number): Promise<PendingChange[]>;
  /** Decides a pending change; false when someone decided it first. */
  decide(
    id: string,
    decision: { status: "approved" | "rejected"; by: string; at: Date; note?: string; upload?: string },
  ): Promise<boolean>;
}
