import type { Decision, HandoffReason } from "../engine";
import { type Ticket, type TicketCandidate, ticketIdFor } from "../ticket";
import type { ReplyPlan, Usage } from "./outcome";
import type { OutboxRecord } from "./ports";
import { type Run, withDisclosure } from "./run";

/** What a hand-off adds to its ticket and plan besides the decision and the candidates. */
export interface TicketContext {
  /** The model's tokens spent on the decision. */
  usage?: Usage;
  /** The customer's question, when the message handed off is not it (Ticket.question). */
  question?: string;
}

/** The hand-off notice; after anger it opens with an apology. */
function handoffText(run: Run, reason: HandoffReason, ticketId: string): string {
  const { texts } = run.deps;
  const { channel } = run.message;
  const notice = texts.handoff(ticketId, run.language, channel);
  return reason === "negative_sentiment"
    ? `${texts.say("apology", run.language, channel)}${run.language === "zh" ? "" : " "}${notice}`
    : notice;
}

/**
 * Opens the ticket with the transcript, the customer's message included, and the engine's candidates, in
 * one write (the desk never lists a ticket without the message that opened it), and puts the notice to
 * the customer in the outbox before anything is sent:
 * a redelivery finishes this hand-off, even if the engine would now answer. The engine's hand-offs
 * (handoff.ts) and the inspection's (reply.ts) both open tickets here.
 */
export async function openTicket(
  run: Run,
  decision: Extract<Decision, { kind: "handoff" }>,
  candidates: TicketCandidate[],
  context: TicketContext = {},
): Promise<{ plan: ReplyPlan; pending: OutboxRecord; ticket: Ticket }> {
  const { usage, question } = context;
  const { message, conversation, deps } = run;
  const ticket = await deps.tickets.create({
    // Derived from the message, so a retried message finds the ticket it already opened.
    ticketId: ticketIdFor(message),
    conversationKey: message.conversationKey,
    channel: message.channel,
    customerId: message.sender.id,
    replyTo: {
      ...(message.recipient ? { from: message.recipient } : {}),
      replyContext: message.replyContext,
    },
    reason: decision.reason,
    priority: decision.priority,
    ...(decision.detail ? { detail: decision.detail } : {}),
    // The desk's fields (skills, VIP, SLA due times), when the worker applies the desk's rules.
    ...deps.desk?.classify({
      message,
      language: run.language,
      reason: decision.reason,
      priority: decision.priority,
      candidates,
      openedAt: run.now,
    }),
    status: "open",
    transcript: run.customerTurn ? [...conversation.turns, run.customerTurn] : conversation.turns,
    ...(conversation.omittedTurns ? { omittedTurns: conversation.omittedTurns } : {}),
    ...(question ? { question } : {}),
    candidates,
    createdAt: run.at,
    updatedAt: run.at,
  });
  const plan: ReplyPlan = {
    kind: "handoff",
    text: withDisclosure(run, handoffText(run, decision.reason, ticket.ticketId)),
    reason: decision.reason,
    ticketId: ticket.ticketId,
    ...(usage ? { usage } : {}),
  };
  const pending: OutboxRecord = { messageKey: run.key, plan, partsSent: 0, done: false };
  await deps.outbox.put(pending, run.now);
  return { plan, pending, ticket };
}
