import { z } from "zod";
import { PRIORITIES, type Priority } from "./routing";

/**
 * Service-level targets per priority: how soon a person must first answer a handed-off customer, and
 * how soon the ticket must be resolved. The ticket carries its due times from the hand-off on; a breach
 * raises its priority one step, alerts the supervisors and is recorded (a system turn and `breached`).
 * Configured by KEFU_SLA_POLICIES (shared/config/desk.ts); the clock is functions/sla.
 */

export const SLA_KINDS = ["first_response", "resolution"] as const;
export type SlaKind = (typeof SLA_KINDS)[number];

const Minutes = z
  .number()
  .positive()
  .max(60 * 24 * 90);
export const SlaTargetSchema = z.strictObject({ firstResponseMinutes: Minutes, resolutionMinutes: Minutes });
export type SlaTarget = z.infer<typeof SlaTargetSchema>;
export type SlaPolicies = Record<Priority, SlaTarget>;

export const DEFAULT_SLA_POLICIES: SlaPolicies = {
  urgent: { firstResponseMinutes: 5, resolutionMinutes: 60 },
  high: { firstResponseMinutes: 15, resolutionMinutes: 4 * 60 },
  normal: { firstResponseMinutes: 60, resolutionMinutes: 24 * 60 },
  low: { firstResponseMinutes: 4 * 60, resolutionMinutes: 72 * 60 },
};

/** Only the priorities an operator changes need be given; the others keep their defaults. */
export const SlaPoliciesSchema = z
  .strictObject(Object.fromEntries(PRIORITIES.map((p) => [p, SlaTargetSchema.optional()])))
  .transform((given) => ({ ...DEFAULT_SLA_POLICIES, ...given }) as SlaPolicies);

/** The SLA state a ticket carries. */
export interface TicketSla {
  firstResponseDueAt?: string;
  resolutionDueAt?: string;
  firstRespondedAt?: string;
  breached: SlaKind[];
}

const addMinutes = (at: Date, minutes: number) => new Date(at.getTime() + minutes * 60_000).toISOString();

/** The due times of a ticket opened at `openedAt` with this priority. */
export function slaFor(priority: Priority, openedAt: Date, policies: SlaPolicies): TicketSla {
  const target = policies[priority];
  return {
    firstResponseDueAt: addMinutes(openedAt, target.firstResponseMinutes),
    resolutionDueAt: addMinutes(openedAt, target.resolutionMinutes),
    breached: [],
  };
}

/** What the SLA clock reads of a ticket. */
export interface SlaSubject {
  status: "open" | "assigned" | "resolved";
  sla?: TicketSla;
}

/** The deadlines still running: not met, not breached, not moot (a resolved ticket owes nothing more). */
export function pendingDeadlines(ticket: SlaSubject): { kind: SlaKind; dueAt: string }[] {
  const sla = ticket.sla;
  if (!sla || ticket.status === "resolved") return [];
  const pending: { kind: SlaKind; dueAt: string }[] = [];
  if (sla.firstResponseDueAt && !sla.firstRespondedAt && !sla.breached.includes("first_response")) {
    pending.push({ kind: "first_response", dueAt: sla.firstResponseDueAt });
  }
  if (sla.resolutionDueAt && !sla.breached.includes("resolution")) {
    pending.push({ kind: "resolution", dueAt: sla.resolutionDueAt });
  }
  return pending;
}

/** The earliest deadline still running: what the SLA clock's index is sorted by (none: off the index). */
export function nextDueAt(ticket: SlaSubject): string | undefined {
  return pendingDeadlines(ticket)
    .map((d) => d.dueAt)
    .sort()[0];
}

/** The deadlines passed at `now` and not yet recorded as breached. */
export function breachesAt(ticket: SlaSubject, now: Date): SlaKind[] {
  const at = now.toISOString();
  return pendingDeadlines(ticket)
    .filter((d) => d.dueAt <= at)
    .map((d) => d.kind);
}
