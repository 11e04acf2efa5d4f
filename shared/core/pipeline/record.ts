import type { Conversation } from "../conversation";
import { persistently } from "./persist";
import type { Run } from "./run";

/**
 * Records the message as handled: the customer's turn, the bot's reply when one was sent, and `changes`
 * to the conversation, in one write. The message's id goes on the conversation's processed list, so a
 * redelivery is answered `duplicate`.
 */
export async function recordTurn(
  run: Run,
  botText: string | undefined,
  changes: Partial<Conversation> = {},
): Promise<void> {
  const { conversation, customerTurn } = run;
  const turns = [...conversation.turns];
  if (customerTurn) turns.push(customerTurn);
  if (botText) turns.push({ role: "bot", text: botText, at: run.at });
  const save = async () => {
    await run.deps.conversations.save(
      { ...conversation, ...changes, turns, processedIds: [...conversation.processedIds, run.message.id] },
      run.now,
    );
  };
  // Once a reply went out, this record is what keeps a redelivery from answering again (with the
  // outbox's): a write that fails for a passing reason is retried while the message's time allows.
  await (botText ? persistently(save, run.deadline) : save());
}
