import { BUDGET, OutOfTimeError } from "../deadline";
import type { AnswerEngine, Decision } from "../engine";
import { listTopics } from "../texts";
import { handOff } from "./handoff";
import type { PipelineOutcome } from "./outcome";
import { clarifyPickOf, recordPick } from "./pick";
import { completeReply } from "./reply";
import { type Run, withDisclosure } from "./run";

/** The engine decides: answer from the knowledge base, ask which entry was meant, or hand off. */
export async function decideReply(run: Run): Promise<PipelineOutcome> {
  const { conversation, deadline } = run;
  const engine = await run.deps.engine();
  // The model calls stop in time to send the reply and record it.
  const deciding = deadline.signal(Number.POSITIVE_INFINITY, BUDGET.sendReserveMs);
  const { decision, candidates, usage, question } = await engine.decide({
    text: run.customerText,
    history: conversation.turns,
    language: run.language,
    ...(conversation.pendingClarification ? { pendingClarification: conversation.pendingClarification } : {}),
    ...(conversation.topic ? { topic: conversation.topic } : {}),
    signal: deciding,
  });
  // A model cut short by our own clock is no reason to call a person: nothing is sent yet, so the
  // message goes back to the queue and is decided again with a whole invocation's time.
  if (deciding.aborted && decision.kind === "handoff" && decision.reason === "engine_error") {
    throw new OutOfTimeError("decide", deadline.remainingMs());
  }
  if (decision.kind === "handoff") {
    const unanswered = await notForAPerson(run, engine, decision);
    if (unanswered) return unanswered;
    return handOff(run, decision, candidates, { usage });
  }

  const notice = run.unsupportedLanguage
    ? run.deps.texts.say("languageNotice", run.language, run.message.channel)
    : "";
  const text = withDisclosure(run, notice ? `${notice}\n${decision.text}` : decision.text);
  const pick = clarifyPickOf(run, decision);
  const outcome = await completeReply(
    run,
    decision.kind === "answer"
      ? {
          kind: "answer",
          text,
          faqIds: decision.faqIds,
          confidence: decision.confidence,
          ...(usage ? { usage } : {}),
          ...(notice ? { languageNotice: true } : {}),
          ...(question ? { question } : {}),
        }
      : {
          kind: "clarify",
          text,
          options: decision.options,
          ...(usage ? { usage } : {}),
          ...(question ? { question } : {}),
        },
  );
  // Only an answer that went out as decided (not replaced by inspection, not refused) is a pick made.
  if (pick && outcome.action === "answered") await recordPick(run, pick);
  return outcome;
}

/**
 * A low-confidence hand-off that a person is not needed for: a message in a language the bot does not
 * write (it says so, and how to reach a person), or an off-topic one (it says what it can help with;
 * the second in a row offers a person, who gets a ticket only if the customer accepts). A question that
 * looks in scope still goes to a person: precision first.
 */
async function notForAPerson(
  run: Run,
  engine: AnswerEngine,
  decision: Extract<Decision, { kind: "handoff" }>,
): Promise<PipelineOutcome | undefined> {
  if (decision.reason !== "low_confidence") return undefined;
  const { deps, language, message } = run;
  const say = deps.texts.say;
  if (run.unsupportedLanguage) {
    // The bot cannot help in this language, so a person is offered at once: "yes" (or はい, 네, oui…)
    // opens the ticket.
    return completeReply(run, {
      kind: "language_notice",
      text: withDisclosure(run, say("languageOffer", language, message.channel)),
      offered: true,
    });
  }
  const scope = engine.scope;
  if (!scope || scope.inScope(run.customerText, { afterAnswer: run.conversation.topic !== undefined }))
    return undefined;
  // The first off-topic message in a row says what the bot can help with; the second offers a person.
  const offered = (run.conversation.offTopicStreak ?? 0) >= 1;
  const topics = listTopics(language, scope.topics(language));
  const text = offered
    ? say("offerHandoff", language, message.channel)
    : topics
      ? say("outOfScope", language, message.channel, { topics })
      : say("outOfScopePlain", language, message.channel);
  return completeReply(run, { kind: "out_of_scope", text: withDisclosure(run, text), offered });
}
