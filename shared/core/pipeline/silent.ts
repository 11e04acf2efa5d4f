import { afterResolvedTicket } from "./after-resolve";
import type { PipelineOutcome } from "./outcome";
import { recordTurn } from "./record";
import { completeReply } from "./reply";
import type { Run } from "./run";

/** The platform says the person is done (a WeCom 微信客服 session closed): the bot takes over again. */
export async function resumeOnSessionClosed(run: Run): Promise<PipelineOutcome | undefined> {
  const { message, conversation, deps } = run;
  if (message.kind !== "event" || message.event !== "session_closed") return undefined;
  const ticketId = conversation.openTicketId;
  if (ticketId) await deps.tickets.resolve(ticketId, run.now);
  await recordTurn(run, undefined, { openTicketId: undefined });
  return { action: "resumed", ...(ticketId ? { ticketId } : {}) };
}

/**
 * A person is on this conversation: stay silent, and give them what the customer says. A resolved
 * ticket gives the conversation back to the bot.
 */
export async function staySilentWhileTicketOpen(run: Run): Promise<PipelineOutcome | undefined> {
  const { conversation, deps, customerTurn } = run;
  const ticketId = conversation.openTicketId;
  if (!ticketId) return undefined;
  const status = await deps.tickets.status(ticketId);
  if (status && status !== "resolved") {
    if (customerTurn) await deps.tickets.append(ticketId, customerTurn, { id: run.key, now: run.now });
    await recordTurn(run, undefined);
    return { action: "silent", ticketId };
  }
  // On a resolved ticket: a rating (CSAT) is filed, a message within the reopen window reopens it.
  const after =
    status === "resolved"
      ? await afterResolvedTicket(ticketId, customerTurn, run.key, run.now, deps)
      : undefined;
  if (after?.firstRating) {
    // The rating is thanked once: a redelivered or repeated rating (recorded before) is not.
    const text = deps.texts.say("csatThanks", run.language, run.message.channel);
    return completeReply(run, { kind: "csat_thanks", text, ticketId });
  }
  if (after) {
    // A rating closes the loop: the bot has the conversation again. A reopened ticket keeps it.
    await recordTurn(run, undefined, after.action === "rated" ? { openTicketId: undefined } : {});
    return after;
  }
  conversation.openTicketId = undefined;
  return undefined;
}
