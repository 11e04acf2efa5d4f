import { BUDGET, OutOfTimeError } from "../deadline";
import { handOff } from "./handoff";
import type { PipelineOutcome } from "./outcome";
import { completeReply } from "./reply";
import { type Run, withDisclosure } from "./run";

/** The engine decides: answer from the knowledge base, ask which entry was meant, or hand off. */
export async function decideReply(run: Run): Promise<PipelineOutcome> {
  const { conversation, deadline } = run;
  const engine = await run.deps.engine();
  // The model calls stop in time to send the reply and record it.
  const deciding = deadline.signal(Number.POSITIVE_INFINITY, BUDGET.sendReserveMs);
  const { decision, candidates, usage } = await engine.decide({
    text: run.customerText,
    history: conversation.turns,
    language: run.language,
    ...(conversation.pendingClarification ? { pendingClarification: conversation.pendingClarification } : {}),
    signal: deciding,
  });
  // A model cut short by our own clock is no reason to call a person: nothing is sent yet, so the
  // message goes back to the queue and is decided again with a whole invocation's time.
  if (deciding.aborted && decision.kind === "handoff" && decision.reason === "engine_error") {
    throw new OutOfTimeError("decide", deadline.remainingMs());
  }
  if (decision.kind === "handoff") return handOff(run, decision, candidates, usage);

  const text = withDisclosure(run, decision.text);
  return completeReply(
    run,
    decision.kind === "answer"
      ? {
          kind: "answer",
          text,
          faqIds: decision.faqIds,
          confidence: decision.confidence,
          ...(usage ? { usage } : {}),
        }
      : { kind: "clarify", text, options: decision.options, ...(usage ? { usage } : {}) },
  );
}
