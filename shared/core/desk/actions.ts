/**
 * What an agent's reply and resolve entail, wherever the agent acts from: the desk API, `npm run desk`
 * and the local stack's /dev/tickets routes all come through here, so a resolve always gives the
 * agent's slot back and asks the customer for a rating, and both count in the analytics reports.
 */
import { type EventSink, ticketEvent, type UnsealedEvent } from "../analytics/events";
import type { Turn } from "../conversation";
import { NotFoundError } from "../errors";
import {
  type DeskDeps,
  type DeskTicket,
  type DeskTicketStore,
  ReplyDeliveryUnknownError,
  replyAsAgent,
  resolveTicket,
  TicketConflictError,
} from "./desk";
import type { AgentStore, TicketDeskStore } from "./ports";
import { afterResolve, type CsatSettings } from "./ticket-care";

export interface AgentActionDeps extends DeskDeps {
  tickets: DeskTicketStore;
  /** The agents' load counters: a ticket taken takes a slot, a resolved one gives it back. */
  agents: Pick<AgentStore, "release" | "restore">;
  /** The ticket's SLA and CSAT fields: the first human response, the CSAT question asked. */
  care: Pick<TicketDeskStore, "recordFirstResponse" | "markCsatAsked">;
  /**
   * The CSAT question at a resolve: how long a rating is read (0: not asked), the operators' wording, the
   * channels' own.
   */
  csat: CsatSettings;
  /** Agent replies and resolves for the reports (best effort, never throws). */
  analytics?: EventSink;
}

/** Records a ticket's analytics event and writes it before returning: a Lambda may freeze after. */
async function track(deps: Pick<AgentActionDeps, "analytics">, event: UnsealedEvent): Promise<void> {
  deps.analytics?.record([event]);
  await deps.analytics?.flush();
}

/** After an agent's reply reached the customer: the first-response deadline is met, the reply counted. */
export async function afterAgentReply(
  ticket: DeskTicket,
  turn: Turn,
  agent: string,
  deps: Pick<AgentActionDeps, "care" | "analytics">,
): Promise<void> {
  const at = new Date(turn.at);
  // Kept once: the SLA clock moves on to the resolution.
  await deps.care.recordFirstResponse(ticket.ticketId, at);
  await track(deps, ticketEvent("agent_reply", ticket, at, { agent }));
}

/**
 * `agent` takes the ticket, as the desk's claim does; one they did not hold already takes a slot of their
 * capacity. TicketConflictError when another agent holds it or it is resolved.
 */
export async function takeTicket(
  ticket: DeskTicket,
  agent: string,
  now: Date,
  deps: { tickets: Pick<DeskTicketStore, "claim">; agents: Pick<AgentStore, "restore"> },
): Promise<void> {
  await deps.tickets.claim(ticket.ticketId, agent, now);
  if (ticket.assignee !== agent) await deps.agents.restore(agent, now);
}

/**
 * An agent's reply from outside the desk API (`npm run desk`, /dev/tickets): inspected and sent like the
 * desk's, attributed to the agent, and followed by what follows every agent reply. Like a reply in the
 * desk, it takes a ticket nobody holds (so the desk does not offer it to another agent, and the resolve
 * gives the slot back); it leaves one another agent holds to them (a supervisor stepping in).
 */
export async function replyFromAgent(
  ticketId: string,
  text: string,
  agent: string,
  deps: AgentActionDeps,
  options: { override?: { reason: string } } = {},
): Promise<Turn> {
  const ticket = await deps.tickets.get(ticketId);
  if (!ticket) throw new NotFoundError(`no ticket ${ticketId}`);
  try {
    const turn = await replyAsAgent(ticketId, text, deps, {
      agent,
      ...(options.override ? { override: options.override } : {}),
    });
    await afterReplyFromAgent(ticket, turn, agent, deps);
    return turn;
  } catch (error) {
    // Recorded on the ticket as "may have been delivered": counted like any reply, then reported to the
    // caller, who must not simply send it again.
    if (error instanceof ReplyDeliveryUnknownError)
      await afterReplyFromAgent(ticket, error.turn, agent, deps);
    throw error;
  }
}

/**
 * Taken only once the reply went out (the desk takes it once inspection passed): a reply blocked or
 * refused takes nothing. Sent already, a reply whose ticket another agent took or resolved meanwhile
 * leaves it as it is.
 */
async function afterReplyFromAgent(ticket: DeskTicket, turn: Turn, agent: string, deps: AgentActionDeps) {
  if (!ticket.assignee) {
    await takeTicket(ticket, agent, new Date(turn.at), deps).catch((error: unknown) => {
      if (!(error instanceof TicketConflictError)) throw error;
    });
  }
  await afterAgentReply(ticket, turn, agent, deps);
}

/**
 * An agent resolves a ticket: its status, a system turn saying who, the agent's slot back and the
 * customer asked to rate the help (ticket-care.ts), and the `resolved` event for the reports. The
 * caller has checked the ticket is not resolved already.
 */
export async function resolveAsAgent(
  ticket: DeskTicket,
  agent: string,
  at: Date,
  deps: AgentActionDeps,
): Promise<{ csatAsked: boolean }> {
  await resolveTicket(ticket.ticketId, { tickets: deps.tickets, now: () => at });
  await deps.tickets.append(
    ticket.ticketId,
    { role: "system", text: `resolved by ${agent}`, at: at.toISOString(), agent },
    { now: at },
  );
  const { asked } = await afterResolve(ticket, {
    agents: deps.agents,
    desk: deps.care,
    tickets: deps.tickets,
    send: (message) => deps.send(message),
    inspection: deps.inspection,
    csat: deps.csat,
    now: deps.now,
  });
  await track(deps, ticketEvent("resolved", ticket, at, { agent }));
  return { csatAsked: asked };
}
