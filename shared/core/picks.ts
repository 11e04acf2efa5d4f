import type { Channel } from "./message";
import { redact } from "./redact";

/**
 * A customer's pick of a clarify option: the bot offered entries for a question (message M) and the
 * customer chose one ("2", "第二个", the option's text). In the learning loop that is a strong hint that
 * M is a phrasing of the entry picked, but only a hint — a customer may pick wrongly — so picks become
 * suggestions ("picked", shared/kb/suggestions.ts) that a supervisor teaches through approval, never
 * phrasings by themselves.
 */
export interface ClarifyPick {
  /**
   * The hash of the picking message's messageKey(): a redelivered message records the same pick once,
   * and no platform id is stored.
   */
  id: string;
  /** The question the options were offered for, as the engine read it, personal data masked. */
  wording: string;
  /** The entry picked. */
  faqId: string;
  /** The entries offered, in the order offered. */
  offered: string[];
  /**
   * The knowledge-base version in force when the pick was answered: the options' own, unless an import
   * landed between the question and the pick.
   */
  kbVersion?: string;
  channel: Channel;
  /** When the picking message arrived (ISO): its UTC day partitions the records. */
  at: string;
}

/** A recorded pick, and what a supervisor decided on it (taught, dismissed…) once they did. */
export interface StoredPick extends ClarifyPick {
  handled?: string;
}

/**
 * Where picks are kept (shared/stores/picks.ts; in memory, shared/stores/memory.ts). Records expire after
 * RETENTION.pickDays, the suggestions' window.
 */
export interface PickStore {
  /** Records the pick; recording the same id again keeps the first record (and its decision). */
  record(pick: ClarifyPick): Promise<void>;
  /** The picks of these UTC days (YYYY-MM-DD), handled ones included. */
  listDays(days: string[]): Promise<StoredPick[]>;
  /** Marks the picks handled with what was decided: they leave the suggestions. */
  markHandled(picks: Pick<ClarifyPick, "id" | "at">[], decision: string): Promise<void>;
}

/** The worker's side of the store: recording only (pipeline/ports.ts). Never throws. */
export interface PickRecorder {
  record(pick: ClarifyPick): Promise<void>;
}

export interface PickRecorderOptions {
  store: Pick<PickStore, "record">;
  /**
   * Whether `wording` is already one of the entry's own phrasings (compared as the exact index compares
   * them): such a pick teaches nothing and is not recorded.
   */
  isPhrasingOf(faqId: string, wording: string): boolean;
  /** The knowledge-base version in force, stamped on each record. */
  kbVersion?(): string | undefined;
  /** A failed record: counted and logged by the caller (never with the wording), never thrown. */
  onError(error: unknown): void;
}

/**
 * The recorder the worker's pipeline calls after a pick was answered: masks the wording again (it is
 * stored for a month and shown to supervisors), skips picks that teach nothing, and swallows failures —
 * the customer has their answer already, and a lost pick only costs a suggestion.
 */
export function pickRecorder(options: PickRecorderOptions): PickRecorder {
  return {
    async record(pick) {
      try {
        const wording = redact(pick.wording).trim();
        if (wording === "" || options.isPhrasingOf(pick.faqId, wording)) return;
        const kbVersion = pick.kbVersion ?? options.kbVersion?.();
        await options.store.record({ ...pick, wording, ...(kbVersion ? { kbVersion } : {}) });
      } catch (error) {
        options.onError(error);
      }
    },
  };
}
