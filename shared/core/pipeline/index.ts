import { BUDGET, Deadline } from "../deadline";
import type { InboundMessage } from "../message";
import { outcomeEvents, placeInSession } from "./analytics";
import { decideReply } from "./decide";
import { answerChannelKeyword, answerEvent, declineMedia } from "./events";
import { finishEarlierReply, loadRun } from "./guard";
import type { PipelineOutcome, ProcessOptions } from "./outcome";
import type { PipelineDeps } from "./ports";
import type { Run } from "./run";
import { resumeOnSessionClosed, staySilentWhileTicketOpen } from "./silent";
import { answerSmallTalk } from "./smalltalk";

export type { PipelineOutcome, ProcessOptions, ReplyPlan } from "./outcome";

/**
 * The worker's core, channel-agnostic. Everything with side effects comes in through `PipelineDeps`, so
 * the whole flow is tested without AWS.
 */

/** One step: handles the message (its outcome) or passes it on to the next step (undefined). */
export type Step = (run: Run) => Promise<PipelineOutcome | undefined>;

/**
 * The steps after the conversation is loaded, in order; the first that handles the message ends it.
 * The last one always does.
 */
export const STEPS: readonly Step[] = [
  finishEarlierReply,
  resumeOnSessionClosed,
  staySilentWhileTicketOpen,
  answerEvent,
  declineMedia,
  answerSmallTalk,
  decideReply,
];

export async function processMessage(
  message: InboundMessage,
  deps: PipelineDeps,
  options: ProcessOptions = {},
): Promise<PipelineOutcome> {
  const deadline = options.deadline ?? Deadline.none();
  // Not started without the time to finish: the message goes back to the queue whole.
  deadline.ensure(BUDGET.messageStartMs, "start the message");
  const keyword = await answerChannelKeyword(message, deps, deadline);
  if (keyword) return keyword;

  const run = await loadRun(message, deps, deadline);
  if ("action" in run) return run;
  const session = placeInSession(run);
  const tokensBefore = { inputTokens: 0, outputTokens: 0, ...run.conversation.tokenUsage };
  for (const step of STEPS) {
    const outcome = await step(run);
    if (!outcome) continue;
    // After the reply went out; the sink only buffers, and flushing is the runner's, after the batch.
    if (session) deps.analytics?.record(outcomeEvents(run, session, outcome, tokensBefore));
    return outcome;
  }
  throw new Error("no pipeline step handled the message");
}
