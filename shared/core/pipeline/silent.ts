import type { PipelineOutcome } from "./outcome";
import { recordTurn } from "./record";
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
  conversation.openTicketId = undefined;
  return undefined;
}
