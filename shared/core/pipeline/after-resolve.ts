import type { Turn } from "../conversation";
import type { PipelineDeps } from "./ports";

/**
 * The pipeline's step for a message on the conversation of a resolved ticket (CSAT and the reopen
 * window, shared/core/desk/ticket-care.ts): a rating is filed on the ticket and not taken as a question; a
 * message within the reopen window reopens the ticket and waits for its agent. `firstRating`: this
 * message's rating was recorded (not one given before), and is thanked. Undefined: the bot
 * answers as usual.
 */
export async function afterResolvedTicket(
  ticketId: string,
  customerTurn: Turn | undefined,
  messageKey: string,
  now: Date,
  deps: Pick<PipelineDeps, "desk" | "tickets">,
): Promise<{ action: "rated" | "reopened"; ticketId: string; firstRating?: true } | undefined> {
  if (!deps.desk || !customerTurn) return undefined;
  const outcome = await deps.desk.afterResolve(ticketId, customerTurn.text, now);
  if (outcome.kind === "closed") return undefined;
  // Filed with the message's key: a redelivered message adds it once.
  await deps.tickets.append(ticketId, customerTurn, { id: messageKey, now });
  if (outcome.kind === "rated") return { action: "rated", ticketId, firstRating: true };
  return { action: outcome.kind === "reopened" ? "reopened" : "rated", ticketId };
}
