import { NotFoundError } from "./errors";
import type { OutboundMessage } from "./message";
import type { TicketStore } from "./pipeline/ports";
import { isOpen } from "./ticket";

/**
 * What a human agent does with a ticket: read it, answer the customer through the channel they wrote
 * on (so they never repeat themselves elsewhere), and resolve it, after which the bot answers again.
 */
export interface DeskDeps {
  tickets: TicketStore;
  send(message: OutboundMessage): Promise<void>;
  now(): Date;
}

export class TicketClosedError extends Error {
  constructor(ticketId: string) {
    super(`ticket ${ticketId} is resolved; the bot has the conversation again`);
    this.name = "TicketClosedError";
  }
}

export async function replyAsAgent(ticketId: string, text: string, deps: DeskDeps): Promise<void> {
  const ticket = await deps.tickets.get(ticketId);
  if (!ticket) throw new NotFoundError(`no ticket ${ticketId}`);
  if (!isOpen(ticket)) throw new TicketClosedError(ticketId);
  await deps.send({
    channel: ticket.channel,
    conversationKey: ticket.conversationKey,
    to: ticket.customerId,
    ...(ticket.replyTo?.from ? { from: ticket.replyTo.from } : {}),
    text,
    replyContext: ticket.replyTo?.replyContext ?? {},
  });
  const now = deps.now();
  await deps.tickets.append(ticketId, { role: "agent", text, at: now.toISOString() }, { now });
}

export async function resolveTicket(
  ticketId: string,
  deps: Pick<DeskDeps, "tickets" | "now">,
): Promise<void> {
  const ticket = await deps.tickets.get(ticketId);
  if (!ticket) throw new NotFoundError(`no ticket ${ticketId}`);
  await deps.tickets.resolve(ticketId, deps.now());
}
