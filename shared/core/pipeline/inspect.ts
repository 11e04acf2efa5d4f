import { receiptFor } from "../outgoing";
import { auditRecord, type InspectionRecord, inspectWith } from "../quality/audit";
import { DEFAULT_TEXTS } from "../texts";
import type { ReplyPlan } from "./outcome";
import { type Run, withDisclosure } from "./run";

/**
 * Quality inspection of the bot's reply, before anything of it is sent: every plan goes through here
 * (pipeline/reply.ts calls it for each reply not yet started), so every message the bot sends is
 * inspected and recorded. A blocking finding never reaches the customer: an answer or clarify is handed
 * to a person (reason `inspection`) or replaced by the safe sentence, per `deps.inspection.fallback`;
 * any other reply is replaced by the safe sentence. Warnings are recorded and the reply goes out. The
 * plan returned carries the receipt of its inspection, without which the channels' sender sends nothing.
 */
export type InspectedPlan = { plan: ReplyPlan } | { handOff: true };

export async function inspectReply(run: Run, plan: ReplyPlan): Promise<InspectedPlan> {
  const { inspection } = run.deps;
  const ruleSet = await inspection.rules();
  const result = inspectWith(ruleSet, plan.text, "bot");
  if (!result.blocked) {
    const sent = auditRecord(result, { ...fieldsOf(run, plan), decision: "sent", text: plan.text });
    await record(run, sent);
    return { plan: { ...plan, inspection: receiptFor(sent, plan.text) } };
  }
  const handOff = inspection.fallback === "handoff" && (plan.kind === "answer" || plan.kind === "clarify");
  await record(
    run,
    auditRecord(result, {
      ...fieldsOf(run, plan),
      decision: "blocked",
      reason: handOff ? "handoff" : "safe_answer",
      text: plan.text,
    }),
  );
  if (handOff) return { handOff: true };

  // The operators' safe sentence, itself inspected; should they have written a blocked term into it,
  // the built-in one (which the default rules pass) goes out instead.
  const configured = safeText(
    run,
    run.deps.texts.say("inspectionFallback", run.language, run.message.channel),
  );
  const checked = inspectWith(ruleSet, configured, "bot");
  const text = checked.blocked ? safeText(run, DEFAULT_TEXTS[run.language].inspectionFallback) : configured;
  const fallback = auditRecord(checked.blocked ? inspectWith(ruleSet, text, "bot") : checked, {
    ...fieldsOf(run, plan),
    messageId: `${run.key}#fallback`,
    decision: "sent",
    text,
  });
  await record(run, fallback);
  return { plan: { ...replaced(plan, text), inspection: receiptFor(fallback, text) } };
}

/** The safe sentence in place of the plan's text; the disclosure kept when the plan carried it. */
function safeText(run: Run, sentence: string): string {
  return withDisclosure(run, sentence);
}

/**
 * The safe sentence in place of the plan: a hand-off keeps its kind (its ticket stands); anything else is
 * `withheld`, so that nothing counts as answered, offered or asked that the customer was not told.
 */
function replaced(plan: ReplyPlan, text: string): ReplyPlan {
  const { inspection: _earlier, ...decided } = plan;
  // A thanks for a rating keeps its kind too: the rating stands, whatever the customer is told.
  if (decided.kind === "handoff" || decided.kind === "withheld" || decided.kind === "csat_thanks")
    return { ...decided, text };
  return {
    kind: "withheld",
    text,
    instead: decided.kind,
    ...("usage" in decided && decided.usage ? { usage: decided.usage } : {}),
  };
}

function fieldsOf(
  run: Run,
  plan: ReplyPlan,
): Omit<InspectionRecord, "findings" | "ruleSetVersion" | "decision"> {
  const ticketId = plan.kind === "handoff" ? plan.ticketId : run.conversation.openTicketId;
  return {
    // One record per reply of the message: a blocked answer and the hand-off notice after it are two.
    messageId: `${run.key}#${plan.kind}`,
    at: run.at,
    author: "bot",
    channel: run.message.channel,
    conversationKey: run.message.conversationKey,
    ...(ticketId ? { ticketId } : {}),
  };
}

/**
 * Recorded before the reply goes out, so an inspection of a reply sent is never missing: a failed write
 * fails the message, which goes back to the queue with nothing sent.
 */
async function record(run: Run, entry: InspectionRecord): Promise<void> {
  await run.deps.inspection.audit.record(entry, run.now);
}
