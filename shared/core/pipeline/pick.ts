import { createHash } from "node:crypto";
import type { Decision } from "../engine";
import type { ClarifyPick } from "../picks";
import { pickClarification } from "../policy";
import type { Run } from "./run";

/**
 * The clarify pick a decision answers, if it answers one: the conversation had options pending, the
 * customer's message picks one of them (the rule both engines apply first, core/policy.ts), and the
 * engine answered with that entry. Read before the reply is recorded, which clears the options and
 * replaces the topic — the question the options were offered for.
 */
export function clarifyPickOf(run: Run, decision: Decision): ClarifyPick | undefined {
  const { conversation, message } = run;
  const pending = conversation.pendingClarification;
  const question = conversation.topic?.question;
  if (decision.kind !== "answer" || !pending?.length || !question) return undefined;
  const picked = pickClarification(run.customerText, pending);
  if (!picked || decision.faqIds[0] !== picked.faqId) return undefined;
  return {
    // The message key names the channel's message id (an e-mail's Message-ID): stored hashed.
    id: createHash("sha256").update(run.key).digest("hex").slice(0, 32),
    // The customer's own words: a follow-up's joined question would carry the earlier entry's question
    // into the wording taught to the entry picked.
    wording: conversation.topic?.said ?? question,
    faqId: picked.faqId,
    offered: pending.map((o) => o.faqId),
    channel: message.channel,
    at: message.receivedAt,
  };
}

/** Records a pick whose answer went out; a failure is the recorder's to count, never the reply's. */
export async function recordPick(run: Run, pick: ClarifyPick): Promise<void> {
  await run.deps.picks?.record(pick).catch(() => undefined);
}
