import type { Decision } from "../engine";
import type { TicketCandidate } from "../ticket";
import { openTicket, type TicketContext } from "./open-ticket";
import type { PipelineOutcome } from "./outcome";
import { completeReply } from "./reply";
import type { Run } from "./run";

/**
 * Opens the ticket with the transcript, the customer's message included, and the engine's candidates,
 * in one write: the desk never lists a ticket without the message that opened it. Then tells the customer. The plan is in the outbox before anything is
 * sent: a redelivery finishes this hand-off, even if the engine would now answer.
 */
export async function handOff(
  run: Run,
  decision: Extract<Decision, { kind: "handoff" }>,
  candidates: TicketCandidate[],
  context: TicketContext = {},
): Promise<PipelineOutcome> {
  const { plan, pending, ticket } = await openTicket(run, decision, candidates, context);
  return completeReply(run, plan, pending, ticket);
}
