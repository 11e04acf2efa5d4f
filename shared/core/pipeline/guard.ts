import { type Conversation, newConversation } from "../conversation";
import type { Deadline } from "../deadline";
import { type InboundMessage, messageKey } from "../message";
import { redactPersonalData } from "../redact";
import type { Language } from "../text";
import { identifyLanguage, isSupported } from "../understanding/language";
import type { PipelineOutcome, ReplyPlan } from "./outcome";
import { clarifyPickOf, recordPick } from "./pick";
import type { PipelineDeps } from "./ports";
import { completeReply } from "./reply";
import type { Run } from "./run";

/**
 * Loads the message's conversation (or starts one) and what every later step reads. Returns
 * `duplicate` instead when the conversation already records the message: SQS is at-least-once, and a
 * message whose reply was sent and recorded is not answered again.
 */
export async function loadRun(
  message: InboundMessage,
  deps: PipelineDeps,
  deadline: Deadline,
): Promise<Run | { action: "duplicate" }> {
  const now = deps.now();
  const existing = await deps.conversations.get(message.conversationKey);
  const conversation: Conversation =
    existing ??
    newConversation({
      conversationKey: message.conversationKey,
      channel: message.channel,
      customerId: message.sender.id,
      now,
    });
  if (conversation.processedIds.includes(message.id)) return { action: "duplicate" };

  const { text: customerText } = redactPersonalData(message.text.trim());
  const written = identifyLanguage(customerText);
  // A language the bot does not write is answered in the conversation's (or English), saying so.
  const language = isSupported(written)
    ? deps.detectLanguage(customerText || conversation.turns.at(-1)?.text || "")
    : conversationLanguage(conversation, deps);
  return {
    message,
    deps,
    deadline,
    key: messageKey(message),
    now,
    at: now.toISOString(),
    conversation,
    customerText,
    language,
    ...(isSupported(written) ? {} : { unsupportedLanguage: written }),
    // Stamped with the arrival time, which every redelivery carries: the ticket files it once.
    customerTurn: customerText ? { role: "customer", text: customerText, at: message.receivedAt } : undefined,
  };
}

/** The language of the customer's latest message in Chinese or English; English when there is none. */
function conversationLanguage(conversation: Conversation, deps: PipelineDeps): Language {
  for (let i = conversation.turns.length - 1; i >= 0; i--) {
    const turn = conversation.turns[i] as Conversation["turns"][number];
    if (turn.role !== "customer") continue;
    const written = identifyLanguage(turn.text);
    if (written === "zh" || written === "en") return deps.detectLanguage(turn.text);
  }
  return "en";
}

/** An earlier delivery of this message already decided (and perhaps sent part of) a reply: finish it. */
export async function finishEarlierReply(run: Run): Promise<PipelineOutcome | undefined> {
  const earlier = await run.deps.outbox.get(run.key);
  if (!earlier) return undefined;
  const plan = earlier.plan as ReplyPlan;
  // The earlier delivery decided a pick's answer but did not get to record the pick (it fails after the
  // send): recorded as it is finished; the pick's id is the message's, so never twice.
  const pick = plan.kind === "answer" ? clarifyPickOf(run, plan) : undefined;
  const outcome = await completeReply(run, plan, earlier);
  if (pick && outcome.action === "answered") await recordPick(run, pick);
  return outcome;
}
