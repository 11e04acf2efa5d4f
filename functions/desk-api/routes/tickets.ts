import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { EventSink } from "../../../shared/core/analytics/events";
import type { Turn } from "../../../shared/core/conversation";
import type { SendOptions } from "../../../shared/core/delivery";
import { afterAgentReply, resolveAsAgent, takeTicket } from "../../../shared/core/desk/actions";
import {
  type DeskTicket,
  type DeskTicketStore,
  ReplyDeliveryUnknownError,
  replyAsAgent,
  TicketClosedError,
  TicketConflictError,
} from "../../../shared/core/desk/desk";
import type { AgentStore, TicketDeskStore } from "../../../shared/core/desk/ports";
import type { CsatSettings } from "../../../shared/core/desk/ticket-care";
import { ChannelApiError } from "../../../shared/core/errors";
import type { FaqEntry } from "../../../shared/core/faq";
import { CHANNELS, type OutboundMessage } from "../../../shared/core/message";
import type { OutboxStore } from "../../../shared/core/pipeline/ports";
import { normalizeTicketId } from "../../../shared/core/ticket";
import { DeskApiError, type DeskRequest, type DeskRoute } from "../route";
import { hasGroup, notFound, parseBody, parseQuery, validationFailed } from "../router";
import { byPriorityThenDue, checkReply, constraintsOf, detailOf, summaryOf } from "../views";
import { FindingsOverrideSchema, inspectAgentReply, type QualityDeps } from "./quality";

/** What the ticket routes use; functions/desk-api/wiring.ts builds it. */
export interface TicketRoutesDeps {
  tickets: DeskTicketStore;
  /** The current FAQ entries with these ids (the candidates' questions and approved answers). */
  faqEntries(ids: string[]): Promise<Map<string, FaqEntry>>;
  /**
   * Delivers through the customer's channel, as the worker does (same senders, part by part); only
   * inspected messages (shared/core/outgoing.ts).
   */
  send(message: OutboundMessage, options?: SendOptions): Promise<void>;
  /** Records each agent reply's delivery, part by part, like the worker's replies. */
  outbox: OutboxStore;
  /** Whether the customer opted out of SMS from our number (SMS and Twilio tickets). */
  optedOut(ticket: DeskTicket): Promise<boolean>;
  /** Told of desk events worth an audit trail (reveals): ids only, never personal data. */
  audit(event: string, data: Record<string, string>): void;
  /** The reply lease: how long one reply may hold a ticket, how long the next waits for it. */
  replyLease?: { ttlMs: number; waitMs: number };
  /**
   * The agents' load counters, which routing reads: a ticket an agent takes from the desk takes a slot
   * of their capacity, one they resolve, transfer or lose to another agent gives it back.
   */
  agents: Pick<AgentStore, "release" | "restore">;
  /** The ticket's SLA and CSAT fields: the first human response, the CSAT question asked. */
  care: Pick<TicketDeskStore, "recordFirstResponse" | "markCsatAsked">;
  /**
   * The CSAT question at a resolve: how long a rating is read (0: not asked), the operators' wording, the
   * channels' own.
   */
  csat: CsatSettings;
  /** Quality inspection of every reply before it is sent, and its audit trail (routes/quality.ts). */
  inspection: Pick<QualityDeps, "rules" | "audit">;
  /** Analytics: agent replies and resolves (best effort, never throws). */
  analytics?: EventSink;
}

const DEFAULT_LEASE = { ttlMs: 30_000, waitMs: 10_000 };

const ReplySchema = z.object({
  text: z.string().trim().min(1, "the reply is empty").max(20_000),
  suggestionId: z.string().max(200).optional(),
  /** The suggestion's text as offered, so the desk can record whether the agent edited it. */
  suggestionText: z.string().max(20_000).optional(),
  /** Send despite blocking quality findings, with the reason the audit trail keeps. */
  findingsOverride: FindingsOverrideSchema.optional(),
  /** The blocked attempt (its `inspectionId`) this reply rephrases. */
  rephraseOf: z.string().max(300).optional(),
});
const NoteSchema = z.object({ text: z.string().trim().min(1, "the note is empty").max(20_000) });
const AssignSchema = z.object({ agentId: z.string().trim().min(1).max(128) });
const TransferSchema = z.object({ skill: z.string().trim().min(1).max(64) });
const RevealSchema = z.object({ field: z.literal("customer") });
const ListQuery = z.object({
  view: z.enum(["mine", "unassigned", "open", "breaching"]).default("open"),
  channel: z.enum(CHANNELS).optional(),
  priority: z.enum(["low", "normal", "high", "urgent"]).optional(),
  skill: z.string().optional(),
  language: z.string().optional(),
  status: z.enum(["open", "assigned", "resolved"]).optional(),
});

export function ticketResolved(): DeskApiError {
  return new DeskApiError(
    409,
    "ticket_resolved",
    "This ticket is resolved; reopen it to reply.",
    "该工单已解决，请重新打开后再回复。",
  );
}

function alreadyClaimed(): DeskApiError {
  return new DeskApiError(
    409,
    "already_claimed",
    "Another agent holds this ticket.",
    "该工单已被其他坐席领取。",
  );
}

function channelClosed(why: "window_closed" | "opted_out"): DeskApiError {
  return why === "window_closed"
    ? new DeskApiError(
        422,
        "channel_closed",
        "WeChat's 48-hour window has passed: the customer must write first.",
        "已超过微信 48 小时客服消息窗口，需等待客户先发消息。",
        { reason: why },
      )
    : new DeskApiError(
        422,
        "channel_closed",
        "The customer has opted out of SMS from this number.",
        "客户已退订本号码的短信。",
        { reason: why },
      );
}

function conflictError(error: unknown): unknown {
  if (error instanceof TicketConflictError) {
    return error.code === "ticket_resolved" ? ticketResolved() : alreadyClaimed();
  }
  if (error instanceof TicketClosedError) return ticketResolved();
  return error;
}

async function load(deps: TicketRoutesDeps, request: DeskRequest): Promise<DeskTicket> {
  const ticket = await deps.tickets.get(normalizeTicketId(request.params.id ?? ""));
  if (!ticket) throw notFound("No such ticket.");
  return ticket;
}

async function summary(deps: TicketRoutesDeps, request: DeskRequest, ticketId: string) {
  const ticket = await deps.tickets.get(ticketId);
  if (!ticket) throw notFound("No such ticket.");
  return { status: 200, body: summaryOf(ticket, request.user.id) };
}

/** A desk event on the ticket's transcript, by the user (`system` turns are shown to agents, never sent). */
async function systemTurn(deps: TicketRoutesDeps, request: DeskRequest, ticketId: string, text: string) {
  const { now, user } = request;
  await deps.tickets.append(
    ticketId,
    { role: "system", text, at: now.toISOString(), agent: user.id },
    { now },
  );
}

/** A change made to the ticket: the desk event that says so, then the ticket's summary as it now is. */
async function changed(deps: TicketRoutesDeps, request: DeskRequest, ticketId: string, event: string) {
  await systemTurn(deps, request, ticketId, event);
  return summary(deps, request, ticketId);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One reply at a time per ticket: two agents answering at once each get their reply delivered once, the
 * second after the first, and the transcript records them in that order. A reply that cannot get the
 * lease within `waitMs` is refused with 503 retry (nothing was sent).
 */
async function withReplyLease<T>(
  deps: TicketRoutesDeps,
  ticketId: string,
  now: () => Date,
  work: () => Promise<T>,
): Promise<T> {
  const { ttlMs, waitMs } = deps.replyLease ?? DEFAULT_LEASE;
  const token = randomUUID();
  const giveUpAt = Date.now() + waitMs;
  let pause = 50;
  while (!(await deps.tickets.acquireReplyLease(ticketId, token, now(), ttlMs))) {
    if (Date.now() + pause > giveUpAt) {
      throw new DeskApiError(
        503,
        "retry",
        "Another reply to this customer is being sent; try again.",
        "另一条回复正在发送，请稍后重试。",
      );
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 500);
  }
  try {
    return await work();
  } finally {
    await deps.tickets.releaseReplyLease(ticketId, token);
  }
}

async function reply(request: DeskRequest, deps: TicketRoutesDeps) {
  const body = parseBody(ReplySchema, request.body);
  const ticket = await load(deps, request);
  if (ticket.status === "resolved") throw ticketResolved();
  const check = checkReply(body.text, constraintsOf(ticket, await deps.optedOut(ticket)), request.now);
  if ("closed" in check) throw channelClosed(check.closed);
  if ("tooLong" in check) throw validationFailed({ text: `too long for the channel: ${check.tooLong}` });

  const agent = request.user.id;
  // Inspected before anything else happens: a blocked reply neither takes the ticket nor waits for it.
  const messageKey = `desk#${ticket.ticketId}#${randomUUID()}`;
  const inspected = await inspectAgentReply(deps.inspection, {
    ticket,
    agent,
    text: body.text,
    messageId: messageKey,
    now: request.now,
    ...(body.findingsOverride ? { override: body.findingsOverride } : {}),
    ...(body.rephraseOf?.startsWith(`desk#${ticket.ticketId}#`) ? { rephraseOf: body.rephraseOf } : {}),
  });

  // A reply on a ticket nobody holds takes it; one held by another agent may be answered (a supervisor
  // stepping in), but one another agent took a moment ago is theirs.
  if (!ticket.assignee) await take(deps, ticket, agent, request.now);

  const suggestion: Turn["suggestion"] | undefined = body.suggestionId
    ? {
        kind: body.suggestionId.startsWith("model") ? "model" : "faq",
        id: body.suggestionId,
        edited: body.suggestionText === undefined ? true : body.suggestionText.trim() !== body.text.trim(),
      }
    : undefined;

  const now = () => new Date();
  return withReplyLease(deps, ticket.ticketId, now, async () => {
    // Recorded before the reply goes out: a reply sent is never missing from the audit trail.
    await deps.inspection.audit.record(inspected.record, request.now);
    const plan = { kind: "agent_reply", ticketId: ticket.ticketId, agent, text: body.text };
    await deps.outbox.put({ messageKey, plan, partsSent: 0, done: false });
    let parts = check.parts;
    let partsSent = 0;
    // The turn recorded, the first response met, the reply counted: after a confirmed send and after one
    // the customer may have (the agent did answer; a second send is the agent's choice, counted again).
    try {
      const turn = await replyAsAgent(
        ticket.ticketId,
        body.text,
        { tickets: deps.tickets, send: deps.send, inspection: deps.inspection, now },
        {
          agent,
          sendId: messageKey,
          inspection: inspected.receipt,
          ...(suggestion ? { suggestion } : {}),
          send: {
            async onPartSent(sent, total) {
              parts = total;
              partsSent = sent;
              await deps.outbox.put({ messageKey, plan, partsSent: sent, done: sent === total });
            },
          },
        },
      );
      await afterAgentReply(ticket, turn, agent, deps);
      return { status: 200, body: { turn, parts } };
    } catch (error) {
      if (error instanceof ReplyDeliveryUnknownError) {
        // As the worker records it (shared/core/pipeline/reply.ts): the part that may have gone out. Unlike
        // the worker, nothing sends it again by itself: a person can ask the customer first.
        await deps.outbox.put({ messageKey, plan, partsSent, done: false, unknownPart: partsSent });
        deps.audit("reply_delivery_unknown", { ticketId: ticket.ticketId, agent, messageKey });
        await afterAgentReply(ticket, error.turn, agent, deps);
        return {
          status: 202,
          body: { turn: error.turn, parts, delivery: "unknown" as const, unknownPart: partsSent },
        };
      }
      if (error instanceof ChannelApiError) {
        await deps.outbox.put({ messageKey, plan, partsSent, done: true, refusal: error.name });
        if (error.name === "RecipientOptedOutError") throw channelClosed("opted_out");
        if (error.retryable) {
          throw new DeskApiError(503, "retry", "The channel is busy; try again.", "渠道繁忙，请重试。");
        }
        throw new DeskApiError(
          502,
          "channel_refused",
          "The customer's channel refused the reply.",
          "客户的渠道拒绝了这条回复。",
        );
      }
      throw conflictError(error);
    }
  });
}

function rethrowConflict(error: unknown): never {
  throw conflictError(error);
}

/** `agent` claims the ticket (shared/core/desk/actions.ts); a conflict answers 409. */
async function take(deps: TicketRoutesDeps, ticket: DeskTicket, agent: string, now: Date) {
  await takeTicket(ticket, agent, now, deps).catch(rethrowConflict);
}

export const ticketRoutes: DeskRoute<TicketRoutesDeps>[] = [
  {
    method: "GET",
    path: "/tickets",
    groups: ["agent"],
    async handle(request, deps) {
      const query = parseQuery(ListQuery, request.query);
      const me = request.user.id;
      const stored =
        query.status === "resolved" ? await deps.tickets.listResolved() : await deps.tickets.listUnresolved();
      const tickets = stored
        .map((ticket) => summaryOf(ticket, me))
        .filter((t) => {
          if (query.status && t.status !== query.status) return false;
          if (query.view === "mine" && t.assignee !== me) return false;
          if (query.view === "unassigned" && t.status !== "open") return false;
          if (query.view === "breaching" && t.sla.breached.length === 0) return false;
          if (query.channel && t.channel !== query.channel) return false;
          if (query.priority && t.priority !== query.priority) return false;
          if (query.language && t.language !== query.language) return false;
          return !query.skill || t.skills.includes(query.skill);
        })
        .sort(byPriorityThenDue);
      return { status: 200, body: { tickets } };
    },
  },
  {
    method: "GET",
    path: "/tickets/:id",
    groups: ["agent"],
    async handle(request, deps) {
      const ticket = await load(deps, request);
      const [entries, earlier, optedOut] = await Promise.all([
        deps.faqEntries(ticket.candidates.map((c) => c.faqId)),
        deps.tickets.listByConversation(ticket.conversationKey),
        deps.optedOut(ticket),
      ]);
      const revealable = hasGroup(request.user, "pii", "supervisor");
      return {
        status: 200,
        body: detailOf(ticket, request.user.id, { entries, earlier, optedOut, revealable }),
      };
    },
  },
  {
    method: "POST",
    path: "/tickets/:id/read",
    groups: ["agent"],
    async handle(request, deps) {
      const ticket = await load(deps, request);
      await deps.tickets.markRead(ticket.ticketId, request.user.id, request.now);
      return { status: 200, body: { unread: 0 } };
    },
  },
  { method: "POST", path: "/tickets/:id/reply", groups: ["agent"], handle: reply },
  {
    method: "POST",
    path: "/tickets/:id/notes",
    groups: ["agent"],
    async handle(request, deps) {
      const { text } = parseBody(NoteSchema, request.body);
      const ticket = await load(deps, request);
      const turn: Turn = { role: "note", text, at: request.now.toISOString(), agent: request.user.id };
      await deps.tickets.append(ticket.ticketId, turn, { now: request.now });
      return { status: 200, body: { turn } };
    },
  },
  {
    method: "POST",
    path: "/tickets/:id/claim",
    groups: ["agent"],
    async handle(request, deps) {
      const ticket = await load(deps, request);
      await take(deps, ticket, request.user.id, request.now);
      return summary(deps, request, ticket.ticketId);
    },
  },
  {
    method: "POST",
    path: "/tickets/:id/assign",
    groups: ["supervisor"],
    async handle(request, deps) {
      const { agentId } = parseBody(AssignSchema, request.body);
      const ticket = await load(deps, request);
      await deps.tickets.assign(ticket.ticketId, agentId, request.now).catch(rethrowConflict);
      if (ticket.assignee !== agentId) {
        if (ticket.assignee) await deps.agents.release(ticket.assignee);
        await deps.agents.restore(agentId, request.now);
      }
      return changed(deps, request, ticket.ticketId, `assigned to ${agentId}`);
    },
  },
  {
    method: "POST",
    path: "/tickets/:id/transfer",
    groups: ["agent"],
    async handle(request, deps) {
      const { skill } = parseBody(TransferSchema, request.body);
      const ticket = await load(deps, request);
      await deps.tickets.transfer(ticket.ticketId, skill, request.now).catch(rethrowConflict);
      if (ticket.assignee) await deps.agents.release(ticket.assignee);
      return changed(deps, request, ticket.ticketId, `transferred to ${skill}`);
    },
  },
  {
    method: "POST",
    path: "/tickets/:id/resolve",
    groups: ["agent"],
    async handle(request, deps) {
      const ticket = await load(deps, request);
      if (ticket.status === "resolved") throw ticketResolved();
      // The agent's slot back, the customer asked to rate the help, the resolve counted (core/desk/actions.ts).
      await resolveAsAgent(ticket, request.user.id, request.now, { ...deps, now: () => new Date() });
      return summary(deps, request, ticket.ticketId);
    },
  },
  {
    method: "POST",
    path: "/tickets/:id/reopen",
    groups: ["agent"],
    async handle(request, deps) {
      const ticket = await load(deps, request);
      if (ticket.status !== "resolved") {
        throw new DeskApiError(409, "not_resolved", "This ticket is still open.", "该工单尚未解决。");
      }
      await deps.tickets.reopen(ticket.ticketId, request.user.id, request.now);
      await deps.agents.restore(request.user.id, request.now);
      return changed(deps, request, ticket.ticketId, `reopened by ${request.user.id}`);
    },
  },
  {
    method: "POST",
    path: "/tickets/:id/reveal",
    groups: ["pii", "supervisor"],
    async handle(request, deps) {
      parseBody(RevealSchema, request.body);
      const ticket = await load(deps, request);
      // Audited twice: on the ticket, where supervisors see it, and in the function's log.
      await systemTurn(deps, request, ticket.ticketId, `customer identity revealed to ${request.user.id}`);
      deps.audit("identity_revealed", { ticketId: ticket.ticketId, agent: request.user.id });
      return { status: 200, body: { value: ticket.customerId } };
    },
  },
];
