import { confirmsSuggestion, rejectsOptions } from "../policy";
import { listTopics } from "../texts";
import {
  acceptsOffer,
  declinesOffer,
  detectSmallTalk,
  hasNoWords,
  type SmallTalkIntent,
} from "../understanding/smalltalk";
import { handOff } from "./handoff";
import type { PipelineOutcome } from "./outcome";
import { completeReply } from "./reply";
import { type Run, withDisclosure } from "./run";

/** A word of thanks in a reply ("谢谢", "多谢", "thank you", "thx", "cheers"). */
const THANKS_WORD = /谢|\bthank|\bthx\b|\bty\b|\bcheers\b/i;

/**
 * Small talk and the answer to an offered person, before the engine: a greeting, thanks, goodbye, "ok"
 * or "are you a bot?" gets its short answer and never a ticket; a "yes" right after the bot offered a
 * person opens the ticket the customer accepted, a "no" to it keeps the customer with the bot; "none of
 * these" to offered entries offers a person.
 */
export async function answerSmallTalk(run: Run): Promise<PipelineOutcome | undefined> {
  const { conversation, deps, message, language } = run;
  if (conversation.handoffOffered && acceptsOffer(run.customerText)) {
    // The ticket is about what the person was offered for, not the "yes": its question, and the
    // entries the customer rejected as candidates marked so.
    const offer = conversation.offeredFor;
    const rejected = (offer?.rejected ?? []).map((option) => ({
      faqId: option.faqId,
      score: 0,
      matchedQuestion: option.question,
      rejectedByCustomer: true as const,
    }));
    return handOff(
      run,
      {
        kind: "handoff",
        reason: "customer_request",
        priority: "normal",
        detail: "accepted_offer",
      },
      rejected,
      { question: offer?.question },
    );
  }
  // "No" to the person just offered: the bot says it is still there; no ticket, and not a new question
  // (a bare "no" would otherwise go to the engine and could be handed off as unanswered).
  if (conversation.handoffOffered && declinesOffer(run.customerText)) {
    return completeReply(run, {
      kind: "smalltalk",
      text: withDisclosure(run, deps.texts.say("offerDeclined", language, message.channel)),
      // "算了 谢谢", "no thank you": a no that thanks is recorded as the thanks it is.
      intent: THANKS_WORD.test(run.customerText) ? "thanks" : "ack",
    });
  }
  // "None of these" to the entries offered: other words are asked for, and a person offered ("yes"
  // opens the ticket), rather than the scope statement such a reply would get as an off-topic message.
  if (conversation.pendingClarification?.length && rejectsOptions(run.customerText)) {
    return completeReply(run, {
      kind: "out_of_scope",
      text: withDisclosure(run, deps.texts.say("optionsRejected", language, message.channel)),
      offered: true,
      offeredFor: { question: askedBeforeOptions(run), rejected: conversation.pendingClarification },
    });
  }
  // A "yes" to a clarify that offered one entry picks it (the engine reads the pick), not an "ok".
  if (conversation.pendingClarification?.length === 1 && confirmsSuggestion(run.customerText))
    return undefined;
  // A bare number right after offered entries is a pick, read by the engine.
  const intent: SmallTalkIntent | undefined =
    detectSmallTalk(run.customerText) ??
    (!conversation.pendingClarification?.length && hasNoWords(run.customerText) ? "unclear" : undefined);
  if (!intent) return undefined;
  let text: string;
  if (intent === "greeting" || intent === "unclear") {
    const topics = (await deps.engine()).scope?.topics(language) ?? [];
    text =
      topics.length > 0
        ? deps.texts.say(intent, language, message.channel, { topics: listTopics(language, topics) })
        : deps.texts.say(intent === "greeting" ? "greetingPlain" : "unclearPlain", language, message.channel);
  } else {
    text = deps.texts.say(intent, language, message.channel);
  }
  // The identity answer is the disclosure itself: it is not said twice.
  return completeReply(run, {
    kind: "smalltalk",
    text: intent === "identity" ? text : withDisclosure(run, text),
    intent,
  });
}

/**
 * The question the rejected entries were offered for, in the customer's own words (a follow-up's joined
 * question would carry an earlier entry's words): the clarify's topic, else the customer's turn before.
 */
function askedBeforeOptions(run: Run): string {
  const { topic, turns } = run.conversation;
  return (
    topic?.said ?? topic?.question ?? turns.findLast((t) => t.role === "customer")?.text ?? run.customerText
  );
}
