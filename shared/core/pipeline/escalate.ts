import type { Deadline } from "../deadline";
import type { InboundMessage } from "../message";
import { loadRun } from "./guard";
import { openTicket } from "./open-ticket";
import type { PipelineOutcome } from "./outcome";
import type { PipelineDeps } from "./ports";
import { recordTurn } from "./record";
import { completeReply } from "./reply";
import { staySilentWhileTicketOpen } from "./silent";

/**
 * A message the bot could not handle on any of its receives (it goes to the dead-letter queue next) is
 * handed to a person: for the customer, a message that gets neither an answer nor a person is lost,
 * whatever a queue holds. A ticket (reason `processing_failed`, high priority, the failure's code as
 * its detail) carries the message and the transcript; the bot then stays silent in the conversation
 * while the ticket is open; agents are alerted; and the customer is told the ticket number when the
 * channel takes it. A conversation already with a person gets the message appended to its ticket.
 *
 * Telling the customer is best effort (the channel may be what failed): the ticket stands without it.
 * A store that fails here throws, and the message is in the dead-letter queue with its alarm.
 */
export async function escalateUnprocessed(
  message: InboundMessage,
  deps: PipelineDeps,
  deadline: Deadline,
  why: string,
): Promise<PipelineOutcome> {
  // An event is not a customer's question (a subscribe, an SMS keyword the webhook queued): there is
  // nothing for a person to answer, and a notice could reach a number that has just opted out.
  if (message.kind === "event") return { action: "ignored", why: `unprocessed event: ${why}` };
  const run = await loadRun(message, deps, deadline);
  // Answered after all (the failure came after its record): nothing to hand over.
  if ("action" in run) return run;
  // The reply went out in full and only what follows failed (recording the turn): the customer has
  // their answer, and a hand-off notice on top of it would be a second reply.
  const earlier = await deps.outbox.get(run.key);
  if (earlier?.done) return { action: "ignored", why: `replied before failing: ${why}` };
  const silent = await staySilentWhileTicketOpen(run);
  if (silent) return silent;

  const { plan, pending, ticket } = await openTicket(
    run,
    { kind: "handoff", reason: "processing_failed", priority: "high", detail: why },
    [],
  );
  try {
    return await completeReply(run, plan, pending, ticket);
  } catch {
    // The notice could not go out in the time left: the conversation is the person's all the same.
    await recordTurn(run, undefined, { openTicketId: ticket.ticketId, pendingClarification: undefined });
    await deps.notifyAgents({ ticket }, { deadline }).catch(() => {
      // The ticket is listed on the desk by status and priority; a missed alert shows in metrics.
    });
    return { action: "handed_off", reason: "processing_failed", ticketId: ticket.ticketId };
  }
}
