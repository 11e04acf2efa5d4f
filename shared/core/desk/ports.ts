import type { Ticket } from "../ticket";
import type { CsatRating } from "./csat";
import type { Agent, AgentStatus, Priority } from "./routing";
import type { SlaKind } from "./sla";

/**
 * The ports of routing, the SLA clock, CSAT and reopening: the agents table and the ticket fields those
 * features write. The DynamoDB stores (shared/stores/agents.ts, shared/stores/ticket-desk.ts) implement
 * them; shared/stores/memory.ts has the in-memory ones.
 */

/** A person of the desk's user directory (Cognito), with the groups access is decided by. */
export interface DeskMember {
  id: string;
  /** The directory's `name` attribute, when it has one. */
  name?: string;
  groups: string[];
}

/**
 * Who works on the desk: the user directory (Cognito in AWS, cognito-local in `npm start`), not the
 * agents table, which only has the people someone configured or who went online once.
 */
export interface DeskDirectory {
  /** The enabled members of the `agent` and `supervisor` groups, each with every desk group they are in. */
  agents(): Promise<DeskMember[]>;
  /**
   * Puts the user in exactly these desk groups (agent, supervisor, admin, pii), adding and removing one
   * at a time; groups of the directory that are not the desk's are left alone. Setting the same groups
   * again changes nothing, so a change that failed half-way is finished by trying it again.
   * UnknownDeskUserError when the directory has no such user.
   */
  setGroups(userId: string, groups: readonly string[]): Promise<void>;
}

/** The user directory has no user by that id (PUT /agents/:id {groups} for someone never invited). */
export class UnknownDeskUserError extends Error {
  readonly code = "unknown_user";
  constructor() {
    super("the user directory has no such user");
    this.name = "UnknownDeskUserError";
  }
}

/** What a supervisor or admin may change of an agent (PUT /agents/:id). */
export interface AgentSettings {
  displayName?: string;
  groups?: string[];
  skills?: string[];
  maxConcurrent?: number;
}

export interface AgentStore {
  get(id: string): Promise<Agent | undefined>;
  list(): Promise<Agent[]>;
  /**
   * Creates the agent (no status yet: away until they sign in; no tickets) or changes the given
   * settings, never the status or the load counter.
   */
  configure(id: string, settings: AgentSettings, now: Date): Promise<Agent>;
  /** The status the agent chose (the desk's switch; signing out sets away). */
  setStatus(id: string, status: AgentStatus, now: Date): Promise<Agent>;
  /**
   * An agent signs in to take chats: online, whatever they chose before (signing out sets away, so a
   * signed-out agent gets no tickets). A sign-in keeps their place in the idle order.
   */
  signIn(id: string, now: Date): Promise<Agent>;
  /**
   * Takes one slot of the agent's capacity: one conditional write (online, below maxConcurrent), so two
   * tickets routed at once cannot both take the last slot. False when the agent cannot take it.
   */
  reserve(id: string, now: Date): Promise<boolean>;
  /** Gives a slot back (a ticket resolved, transferred, or an assignment that did not happen). */
  release(id: string): Promise<void>;
  /** Takes a slot whatever the capacity: a reopened ticket goes back to the agent who had it. */
  restore(id: string, now: Date): Promise<void>;
}

/** The ticket fields the desk's rules write, beside the pipeline's TicketStore. */
export interface TicketDeskStore {
  /** Assigns an open, unassigned ticket; false when it is no longer open (someone else took it). */
  assign(ticketId: string, agentId: string, now: Date): Promise<boolean>;
  /** Tickets with a running SLA deadline due at or before `now`, soonest first. */
  slaDue(now: Date, limit?: number): Promise<Ticket[]>;
  /**
   * Records breaches read from the ticket as it was (`breachedBefore` of them already recorded): raises
   * the priority, moves the clock to the next running deadline (none: off the clock). False when the
   * ticket changed meanwhile (another clock run recorded it).
   */
  recordBreach(
    ticketId: string,
    change: { breachedBefore: number; breached: SlaKind[]; priority: Priority; nextDueAt?: string },
    now: Date,
  ): Promise<boolean>;
  /** Moves the clock to the ticket's next running deadline, or stops it (met, resolved). */
  moveClock(ticketId: string, nextDueAt: string | undefined): Promise<void>;
  /** The first reply of a person: the first-response deadline is met (kept once). */
  recordFirstResponse(ticketId: string, at: Date): Promise<void>;
  markCsatAsked(ticketId: string, at: Date): Promise<void>;
  /** Records the customer's rating once; false when one is already recorded. */
  recordCsat(ticketId: string, rating: CsatRating, at: Date): Promise<boolean>;
  /** Reopens a resolved ticket (to its last agent, or the queue); false when it is not resolved. */
  reopen(
    ticketId: string,
    assignee: string | undefined,
    now: Date,
    resolutionDueAt?: string,
  ): Promise<boolean>;
}
