import type { Deadline } from "../deadline";
import { ChannelApiError } from "../errors";
import { type InboundMessage, KEYWORD_EVENT, messageKey } from "../message";
import { inspectOutgoing } from "../outgoing";
import type { PipelineOutcome } from "./outcome";
import type { PipelineDeps } from "./ports";
import { recordTurn } from "./record";
import { completeReply } from "./reply";
import { type Run, withDisclosure } from "./run";

/**
 * A channel keyword with a fixed answer (SMS HELP, MORE, STOP/START confirmations): the channel gives
 * the answer, never the FAQ engine, and whoever is on the conversation (a STOP confirmation is owed
 * during a hand-off too). Inspected like every message sent; a blocked one (a MORE remainder the rules
 * changed under) is not sent. Not a turn of the conversation; the channel answers each keyword message
 * once.
 */
export async function answerChannelKeyword(
  message: InboundMessage,
  deps: PipelineDeps,
  deadline: Deadline,
): Promise<PipelineOutcome | undefined> {
  if (message.kind !== "event" || message.event !== KEYWORD_EVENT) return undefined;
  try {
    const answer = await deps.keywordAnswer(message);
    if (!answer) return { action: "keyword_answered" };
    const inspected = await inspectOutgoing(deps.inspection, answer, {
      messageId: `${messageKey(message)}#keyword`,
      author: "bot",
      at: deps.now(),
    });
    if ("blocked" in inspected) return { action: "ignored", why: "keyword answer blocked by inspection" };
    await deps.send(inspected.message, { deadline });
  } catch (error) {
    if (error instanceof ChannelApiError && !error.retryable) {
      return { action: "undeliverable", error: error.message };
    }
    throw error;
  }
  return { action: "keyword_answered" };
}

/** Events that open a conversation and deserve a greeting. */
const GREETING_EVENTS = new Set(["subscribe", "enter_session", "enter_chat"]);

/** Platform events: a greeting for those that open a conversation, nothing for the others. */
export async function answerEvent(run: Run): Promise<PipelineOutcome | undefined> {
  const { message, deps } = run;
  if (message.kind !== "event") return undefined;
  if (!message.event || !GREETING_EVENTS.has(message.event)) {
    await recordTurn(run, undefined);
    return { action: "ignored", why: `event ${message.event ?? "unknown"}` };
  }
  return completeReply(run, { kind: "welcome", text: deps.texts.welcome(message.channel, run.language) });
}

/** Images, voice and files: a polite note that only text is read, for now. */
export async function declineMedia(run: Run): Promise<PipelineOutcome | undefined> {
  if (run.customerText) return undefined;
  return completeReply(run, {
    kind: "media",
    text: withDisclosure(run, run.deps.texts.mediaUnsupported(run.language, run.message.channel)),
  });
}
