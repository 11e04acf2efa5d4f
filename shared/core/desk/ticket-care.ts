import type { HandoffReason } from "../engine";
import type { Channel, OutboundMessage } from "../message";
import { inspectOutgoing, type OutgoingInspection } from "../outgoing";
import type { TicketStore } from "../pipeline/ports";
import type { Language } from "../text";
import type { TextOverrides } from "../texts";
import type { Ticket } from "../ticket";
import { type CsatRating, csatQuestion, parseRating } from "./csat";
import { agentMessage } from "./desk";
import type { AgentStore, TicketDeskStore } from "./ports";
import { type Priority, type RoutingRules, raisePriority, rankAgents, ticketSkills } from "./routing";
import { breachesAt, nextDueAt, type SlaKind, type SlaPolicies, slaFor } from "./sla";

/**
 * What happens to a ticket around the people who answer it: its skills and SLA at the hand-off, its
 * agent (routing), the SLA clock's breaches, the CSAT question at the resolve, and what a customer's
 * message after the resolve does (a rating is recorded; anything else within the window reopens it).
 */

/** An alert to agents or supervisors. Never the customer's identity or words: ids, reason, priority. */
export interface DeskAlert {
  kind: "ticket_opened" | "sla_breached" | "ticket_reopened";
  ticketId: string;
  channel: Channel;
  /** Turned into an opaque conversation id by the alert adapter; never sent as it is. */
  conversationKey: string;
  reason: HandoffReason | string;
  priority: Priority;
  breached?: SlaKind[];
  assignee?: string;
}

export type Alert = (alert: DeskAlert) => Promise<void>;

/** The fields a new ticket gets from the desk's rules: its language, skills, VIP flag and SLA clock. */
export function classifyTicket(
  input: {
    channel: Channel;
    customerId: string;
    language: string;
    reason: HandoffReason | string;
    priority: Priority;
    topCategory?: string;
    openedAt: Date;
  },
  rules: { routing: RoutingRules; sla: SlaPolicies },
): Pick<Ticket, "language" | "skills" | "vip" | "sla" | "slaClock" | "slaNextDueAt"> {
  const skills = ticketSkills(input, rules.routing);
  const sla = slaFor(input.priority, input.openedAt, rules.sla);
  const next = nextDueAt({ status: "open", sla });
  return {
    language: input.language,
    skills,
    vip: skills.includes(rules.routing.vip.skill),
    sla,
    ...(next ? { slaClock: "running" as const, slaNextDueAt: next } : {}),
  };
}

export interface RoutingDeps {
  agents: AgentStore;
  /** Which skills are languages (an agent who declares none answers every language). */
  routing: Pick<RoutingRules, "languages">;
  desk: TicketDeskStore;
  now(): Date;
}

/**
 * Gives an open ticket to the best agent who can take it (rankAgents), or leaves it in the queue. Each
 * try reserves a slot on the agent's counter first (a conditional write), then assigns the ticket (a
 * conditional write on its status): a slot whose ticket someone else took meanwhile is given back.
 */
export async function routeTicket(
  ticket: Pick<Ticket, "ticketId" | "status" | "skills" | "assignee">,
  deps: RoutingDeps,
): Promise<string | undefined> {
  if (ticket.status !== "open" || ticket.assignee) return ticket.assignee;
  const now = deps.now();
  for (const agent of rankAgents(await deps.agents.list(), ticket.skills ?? [], deps.routing)) {
    if (!(await deps.agents.reserve(agent.id, now))) continue;
    if (await deps.desk.assign(ticket.ticketId, agent.id, now)) return agent.id;
    await deps.agents.release(agent.id);
    return undefined;
  }
  return undefined;
}

export interface SlaClockDeps {
  desk: TicketDeskStore;
  tickets: Pick<TicketStore, "append">;
  alert: Alert;
  now(): Date;
}

export interface SlaClockRun {
  checked: number;
  /** With what analytics needs of each ticket (shared/core/analytics/events.ts, ticketEvent). */
  breached: {
    ticketId: string;
    kinds: SlaKind[];
    channel: Ticket["channel"];
    conversationKey: string;
    createdAt: string;
  }[];
  alertFailures: number;
}

/**
 * One tick of the SLA clock: every ticket whose next deadline has passed gets its breaches recorded
 * (priority one step up, a system turn, `sla.breached`) and the supervisors alerted; a deadline met in
 * time (a first reply, a resolve) just moves the ticket's clock on. Each breach is recorded by one
 * conditional write, so two ticks at once record and alert it once.
 */
export async function runSlaClock(deps: SlaClockDeps): Promise<SlaClockRun> {
  const now = deps.now();
  const run: SlaClockRun = { checked: 0, breached: [], alertFailures: 0 };
  for (const ticket of await deps.desk.slaDue(now)) {
    run.checked++;
    const kinds = breachesAt(ticket, now);
    if (kinds.length === 0) {
      await deps.desk.moveClock(ticket.ticketId, nextDueAt(ticket));
      continue;
    }
    const sla = ticket.sla ?? { breached: [] };
    const after = { ...ticket, sla: { ...sla, breached: [...sla.breached, ...kinds] } };
    const priority = raisePriority(ticket.priority);
    const recorded = await deps.desk.recordBreach(
      ticket.ticketId,
      { breachedBefore: sla.breached.length, breached: kinds, priority, nextDueAt: nextDueAt(after) },
      now,
    );
    if (!recorded) continue;
    const { ticketId, channel, conversationKey, createdAt } = ticket;
    run.breached.push({ ticketId, kinds, channel, conversationKey, createdAt });
    await deps.tickets.append(ticket.ticketId, {
      role: "system",
      text: `SLA breached: ${kinds.join(", ")}; priority ${ticket.priority} → ${priority}`,
      at: now.toISOString(),
    });
    try {
      await deps.alert({
        kind: "sla_breached",
        ticketId: ticket.ticketId,
        channel: ticket.channel,
        conversationKey: ticket.conversationKey,
        reason: ticket.reason,
        priority,
        breached: kinds,
        ...(ticket.assignee ? { assignee: ticket.assignee } : {}),
      });
    } catch {
      // The breach is recorded and shows on the desk's "breaching" view; the alert is best effort.
      run.alertFailures++;
    }
  }
  return run;
}

/** The tickets still waiting for an agent are offered again (agents came online, others finished). */
export async function routeWaiting(
  waiting: readonly Ticket[],
  deps: RoutingDeps,
): Promise<{ ticketId: string; agent: string }[]> {
  const assigned: { ticketId: string; agent: string }[] = [];
  for (const ticket of waiting) {
    const agent = await routeTicket(ticket, deps);
    if (agent) assigned.push({ ticketId: ticket.ticketId, agent });
  }
  return assigned;
}

/**
 * The operators' CSAT question for a channel and language (their wording for the channel, else their
 * default), `{ticket}` replaced; undefined when they set none, and the built-in question is asked.
 */
export type CsatTextFor = (language: Language, channel: Channel, ticketId: string) => string | undefined;

/** What the CSAT question at a resolve needs of the wiring. */
export interface CsatSettings {
  /** How long a rating is read after the question; 0: the question is not asked. */
  windowMs: number;
  /** The operators' wording (KEFU_CSAT_TEXTS). */
  text?: CsatTextFor;
  /**
   * The channels' own wording of the core's sentences (shared/channels/registry.ts `channelTexts`): the
   * built-in question is the channel's (SMS's is short), else the core's.
   */
  channelTexts: TextOverrides;
}

export interface ResolveCareDeps {
  agents: Pick<AgentStore, "release">;
  desk: Pick<TicketDeskStore, "markCsatAsked">;
  tickets: Pick<TicketStore, "append">;
  /** The channels' sender: sends only inspected messages (shared/core/outgoing.ts). */
  send(message: OutboundMessage): Promise<void>;
  /** The question is inspected like every message to a customer. */
  inspection: OutgoingInspection;
  /** The question's window and wording. */
  csat: CsatSettings;
  now(): Date;
}

/**
 * After a ticket is resolved: its agent's slot is given back, and the customer is asked to rate the
 * help on their channel. The question is inspected first: should the operators' wording break a
 * blocking rule, the built-in question goes out instead, and if that is blocked too, none. A failed
 * question (the channel's window closed) does not undo the resolve.
 */
export async function afterResolve(ticket: Ticket, deps: ResolveCareDeps): Promise<{ asked: boolean }> {
  if (ticket.assignee) await deps.agents.release(ticket.assignee);
  if (deps.csat.windowMs <= 0 || ticket.csatAskedAt) return { asked: false };
  const language: Language = ticket.language === "en" ? "en" : "zh";
  // Written to the customer like an agent's reply on the ticket (same channel, account and routing).
  const question = (text: string): OutboundMessage => ({
    ...agentMessage(ticket, text),
    // Its own id, not the customer's last message's: the channels tell sends apart by it (WeCom's
    // duplicate check, 微信客服's msgid).
    inReplyTo: `csat#${ticket.ticketId}`,
  });
  const inspect = (text: string, messageId: string) =>
    inspectOutgoing(deps.inspection, question(text), {
      messageId,
      author: "bot",
      at: deps.now(),
      ticketId: ticket.ticketId,
    });
  const builtIn = csatQuestion(language, ticket.channel, ticket.ticketId, deps.csat.channelTexts);
  const configured = deps.csat.text?.(language, ticket.channel, ticket.ticketId) ?? builtIn;
  let inspected = await inspect(configured, `csat#${ticket.ticketId}`);
  if ("blocked" in inspected && builtIn !== configured) {
    inspected = await inspect(builtIn, `csat#${ticket.ticketId}#default`);
  }
  if ("blocked" in inspected) return { asked: false };
  try {
    await deps.send(inspected.message);
  } catch {
    return { asked: false };
  }
  const now = deps.now();
  await deps.desk.markCsatAsked(ticket.ticketId, now);
  await deps.tickets.append(ticket.ticketId, {
    role: "bot",
    text: inspected.message.text,
    at: now.toISOString(),
  });
  return { asked: true };
}

export interface AfterResolveDeps {
  tickets: Pick<TicketStore, "get" | "append">;
  desk: Pick<TicketDeskStore, "recordCsat" | "reopen">;
  agents: Pick<AgentStore, "restore">;
  alert: Alert;
  reopenWindowMs: number;
  csatWindowMs: number;
  sla: SlaPolicies;
}

export type AfterResolveOutcome =
  | { kind: "rated"; rating: CsatRating }
  | { kind: "rated_before" }
  | { kind: "reopened"; assignee?: string }
  /** The windows have passed: the bot has the conversation. */
  | { kind: "closed" };

/**
 * A customer message on the conversation of a resolved ticket: a rating while the CSAT window is open
 * is recorded (and not taken as a question); any other message while the reopen window is open reopens
 * the ticket, to the agent who had it; after both windows the bot answers as usual.
 */
export async function customerAfterResolve(
  ticketId: string,
  customerText: string,
  deps: AfterResolveDeps,
  now: Date,
): Promise<AfterResolveOutcome> {
  const ticket = await deps.tickets.get(ticketId);
  if (ticket?.status !== "resolved" || !ticket.resolvedAt) return { kind: "closed" };
  const since = (at: string) => now.getTime() - Date.parse(at);

  if (ticket.csatAskedAt && !ticket.csat && since(ticket.csatAskedAt) <= deps.csatWindowMs) {
    const rating = parseRating(customerText);
    // A second rating (a redelivery, a change of mind) is not recorded over the first.
    if (rating)
      return (await deps.desk.recordCsat(ticketId, rating, now))
        ? { kind: "rated", rating }
        : { kind: "rated_before" };
  }

  if (!customerText || since(ticket.resolvedAt) > deps.reopenWindowMs) return { kind: "closed" };
  const resolutionDue = ticket.sla
    ? new Date(now.getTime() + deps.sla[ticket.priority].resolutionMinutes * 60_000).toISOString()
    : undefined;
  if (!(await deps.desk.reopen(ticketId, ticket.assignee, now, resolutionDue))) return { kind: "closed" };
  if (ticket.assignee) await deps.agents.restore(ticket.assignee, now);
  await deps.tickets.append(ticketId, {
    role: "system",
    text: "Reopened by the customer's message",
    at: now.toISOString(),
  });
  await deps
    .alert({
      kind: "ticket_reopened",
      ticketId,
      channel: ticket.channel,
      conversationKey: ticket.conversationKey,
      reason: ticket.reason,
      priority: ticket.priority,
      ...(ticket.assignee ? { assignee: ticket.assignee } : {}),
    })
    .catch(() => {
      // The reopened ticket is in the agent's queue; the alert is best effort.
    });
  return { kind: "reopened", ...(ticket.assignee ? { assignee: ticket.assignee } : {}) };
}
