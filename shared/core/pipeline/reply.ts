import type { Topic, Turn } from "../conversation";
import { ChannelApiError, DeliveryUnknownError } from "../errors";
import { receiptFor } from "../outgoing";
import type { Ticket } from "../ticket";
import { inspectReply } from "./inspect";
import { openTicket } from "./open-ticket";
import type { PipelineOutcome, ReplyPlan } from "./outcome";
import { persistently } from "./persist";
import type { OutboxRecord } from "./ports";
import { recordTurn } from "./record";
import { type Run, replyTo } from "./run";

/**
 * Sends the reply (or what an earlier delivery left of it), then records the turn, the ticket's hand-off
 * and alerts.
 */
export async function completeReply(
  run: Run,
  plan: ReplyPlan,
  earlier?: OutboxRecord,
  openedTicket?: Ticket,
): Promise<PipelineOutcome> {
  const outcome = await sendAndRecord(run, plan, earlier, openedTicket);
  return {
    ...outcome,
    ...(run.unrecorded ? { unrecorded: run.unrecorded } : {}),
    // A part an earlier delivery sent without hearing back was sent again: the customer may have it twice.
    ...(earlier?.unknownPart !== undefined && !earlier.done
      ? { resentUnknownPart: earlier.unknownPart }
      : {}),
  };
}

async function sendAndRecord(
  run: Run,
  decided: ReplyPlan,
  earlier?: OutboxRecord,
  openedTicket?: Ticket,
): Promise<PipelineOutcome> {
  const { conversation, deps, deadline } = run;
  // Every reply is inspected before its first part goes out; a reply already started was inspected by
  // the delivery that started it, and its outbox record holds the plan that passed.
  let plan = decided;
  if (!earlier || (earlier.partsSent === 0 && !earlier.done)) {
    const inspected = await inspectReply(run, decided);
    if ("handOff" in inspected) return handOffInstead(run, decided);
    plan = inspected.plan;
  }
  if (!earlier) {
    // The plan is written down before its first part goes out, so that a redelivery (after a send whose
    // answer never came, or a deadline) finishes this reply instead of deciding another — the engine may
    // decide otherwise the second time, and the customer would get two replies. Should another delivery
    // of the message have written its plan first, that reply is the one to finish.
    const pending: OutboxRecord = { messageKey: run.key, plan, partsSent: 0, done: false };
    const standing = await deps.outbox.create(pending, run.now);
    if (standing) return sendAndRecord(run, standing.plan as ReplyPlan, standing);
  }
  const refusal = await deliver(run, plan, earlier);
  const sent = refusal === undefined;
  if ("usage" in plan && plan.usage) {
    // Model tokens are accounted per conversation (cost reports), in the same write as the turn.
    conversation.tokenUsage = {
      inputTokens: (conversation.tokenUsage?.inputTokens ?? 0) + plan.usage.inputTokens,
      outputTokens: (conversation.tokenUsage?.outputTokens ?? 0) + plan.usage.outputTokens,
    };
  }
  const disclosed = conversation.disclosed || sent;
  // What a person just offered is offered for (this message, unless the plan says which question):
  // a "yes" puts it on the ticket. Any other reply forgets it, as it forgets the offer.
  const offeredFor =
    sent && (plan.kind === "out_of_scope" || plan.kind === "language_notice") && plan.offered
      ? ((plan.kind === "out_of_scope" ? plan.offeredFor : undefined) ?? { question: run.customerText })
      : undefined;
  // Off-topic messages in a row, and whether a person was just offered: anything answered resets them.
  const offTopic =
    plan.kind === "language_notice"
      ? { offTopicStreak: 0, handoffOffered: sent && plan.offered, offeredFor }
      : plan.kind === "out_of_scope"
        ? {
            offTopicStreak: (conversation.offTopicStreak ?? 0) + 1,
            handoffOffered: sent && plan.offered,
            offeredFor,
            // An off-topic message ends the thread a follow-up could lean on, and the options offered
            // before it: "none of these" rejected them, and a later "1" must not pick one of them.
            topic: undefined,
            pendingClarification: undefined,
          }
        : plan.kind === "smalltalk" || plan.kind === "welcome" || plan.kind === "media"
          ? { handoffOffered: false, offeredFor: undefined }
          : { offTopicStreak: 0, handoffOffered: false, offeredFor: undefined };
  switch (plan.kind) {
    case "welcome":
      await recordTurn(run, sent ? plan.text : undefined, { disclosed, ...offTopic });
      return sent ? { action: "welcomed" } : { action: "undeliverable", error: refusal };
    case "smalltalk":
      await recordTurn(run, sent ? plan.text : undefined, { disclosed, ...offTopic });
      return sent
        ? { action: "small_talk", intent: plan.intent }
        : { action: "undeliverable", error: refusal };
    case "out_of_scope":
      await recordTurn(run, sent ? plan.text : undefined, { disclosed, ...offTopic });
      return sent
        ? { action: "out_of_scope", offered: plan.offered }
        : { action: "undeliverable", error: refusal };
    case "language_notice":
      await recordTurn(run, sent ? plan.text : undefined, { disclosed, ...offTopic });
      return sent ? { action: "language_notice" } : { action: "undeliverable", error: refusal };
    case "media":
      await recordTurn(run, sent ? plan.text : undefined, { disclosed, ...offTopic });
      return sent ? { action: "media_declined" } : { action: "undeliverable", error: refusal };
    case "withheld":
      await recordTurn(run, sent ? plan.text : undefined, {
        disclosed,
        ...offTopic,
        pendingClarification: undefined,
        topic: undefined,
      });
      return sent
        ? { action: "withheld", instead: plan.instead }
        : { action: "undeliverable", error: refusal };
    case "answer":
    case "clarify":
      await recordTurn(run, sent ? plan.text : undefined, {
        disclosed,
        ...offTopic,
        pendingClarification: sent && plan.kind === "clarify" ? plan.options : undefined,
        topic: sent ? topicOf(run, plan) : undefined,
      });
      if (!sent) return { action: "undeliverable", error: refusal };
      return plan.kind === "answer"
        ? {
            action: "answered",
            faqIds: plan.faqIds,
            confidence: plan.confidence,
            ...(plan.languageNotice ? { languageNotice: true } : {}),
          }
        : { action: "clarified", options: plan.options.map((o) => o.faqId) };
    case "csat_thanks":
      // The rating closes the loop: the bot has the conversation again. Recorded as rated whether or
      // not the thanks went out: the rating is filed on the ticket either way.
      await recordTurn(run, sent ? plan.text : undefined, {
        disclosed,
        ...offTopic,
        openTicketId: undefined,
      });
      return { action: "rated", ticketId: plan.ticketId };
    case "handoff": {
      // Moving the platform's session to a person is best effort: the ticket and the customer's notice
      // already stand, and retrying the message would send the notice twice.
      let platformHandoffError: string | undefined;
      if (sent) {
        await deps
          .handoffChannel?.(replyTo(run, plan.text), plan.ticketId, { deadline })
          .catch((error: Error) => {
            platformHandoffError = error.message;
          });
      }
      const ticket = openedTicket ?? (await deps.tickets.get(plan.ticketId));
      if (ticket) await fileNotice(run, ticket.ticketId, plan.text, refusal);
      // The ticket stands even when the customer can't be told: an agent may reach them another way.
      await recordTurn(run, sent ? plan.text : undefined, {
        disclosed,
        ...offTopic,
        openTicketId: plan.ticketId,
        pendingClarification: undefined,
        topic: undefined,
      });
      if (ticket) {
        await deps.notifyAgents({ ticket }, { deadline }).catch(() => {
          // The ticket is stored and listed by status; a missed alert is visible on the desk and in metrics.
        });
      }
      return {
        action: "handed_off",
        reason: plan.reason,
        ticketId: plan.ticketId,
        ...(platformHandoffError ? { platformHandoffError } : {}),
      };
    }
  }
}

/**
 * Files the hand-off notice on the ticket as it went out — after inspection, so the safe sentence when
 * it replaced the notice — or, refused by the platform, marked so: the agent reads what the customer was
 * told, and knows when they were told nothing. The ticket was opened with the conversation up to the
 * customer's message, before the notice was sent. Stamped with the arrival of the message it answers, as
 * the customer's turn is: every redelivery carries it, so a redelivery finishing this hand-off (whose
 * send the outbox already shows) files it once; and it sorts before what the customer writes next, which
 * the ticket's opening (to the millisecond) would not where platforms stamp messages to the second.
 * Filed before the conversation is recorded: once that is, a redelivery stops as a duplicate.
 */
async function fileNotice(run: Run, ticketId: string, text: string, refusal: string | undefined) {
  const turn: Turn = {
    role: "bot",
    text,
    at: run.message.receivedAt,
    ...(refusal !== undefined ? { delivery: "refused" as const } : {}),
  };
  await persistently(
    () => run.deps.tickets.append(ticketId, turn, { id: `${run.key}#notice`, now: run.now }),
    run.deadline,
  );
}

/** What a follow-up to this answer or clarify leans on: the question and the entries answered or offered. */
function topicOf(run: Run, plan: Extract<ReplyPlan, { kind: "answer" | "clarify" }>): Topic {
  const question = plan.question ?? run.customerText;
  return {
    question,
    faqIds: plan.kind === "answer" ? plan.faqIds : plan.options.map((o) => o.faqId),
    ...(question !== run.customerText && run.customerText ? { said: run.customerText } : {}),
  };
}

/** A person answers what the bot must not say: a ticket with reason `inspection`, the entries as candidates. */
async function handOffInstead(run: Run, plan: ReplyPlan): Promise<PipelineOutcome> {
  const candidates =
    plan.kind === "answer"
      ? plan.faqIds.map((faqId) => ({ faqId, score: plan.confidence, matchedQuestion: "" }))
      : plan.kind === "clarify"
        ? plan.options.map((o) => ({ faqId: o.faqId, score: 0, matchedQuestion: o.question }))
        : [];
  const usage = "usage" in plan ? plan.usage : undefined;
  const opened = await openTicket(
    run,
    { kind: "handoff", reason: "inspection", priority: "normal" },
    candidates,
    { usage },
  );
  return sendAndRecord(run, opened.plan, opened.pending, opened.ticket);
}

/**
 * Sends what the outbox does not already show as sent, recording each part as it goes. Returns the
 * refusal when the platform refused for good (the customer left, the reply window closed): that reply
 * is recorded as handled instead of going round the queue into the dead-letter queue. Retryable
 * failures throw, so the message stays on the queue and resumes after the last part sent.
 */
async function deliver(
  run: Run,
  plan: ReplyPlan,
  earlier: OutboxRecord | undefined,
): Promise<string | undefined> {
  const { deps, deadline, key, now } = run;
  if (earlier?.done) return earlier.refusal;
  let partsSent = earlier?.partsSent ?? 0;
  let done = false;
  // Written after each send: a record lost to a passing store failure would have the redelivered
  // message send the part again, so the write is retried while the message's time allows. Past that,
  // the message is not failed for it (its redelivery would answer again): it goes on, and the
  // conversation's record of the message absorbs any redelivery.
  const write = async (refusal?: string, unknownPart?: number) => {
    try {
      await persistently(
        () =>
          deps.outbox.put(
            {
              messageKey: key,
              plan,
              partsSent,
              done,
              ...(refusal !== undefined ? { refusal } : {}),
              ...(unknownPart !== undefined ? { unknownPart } : {}),
            },
            now,
          ),
        deadline,
      );
      run.unrecorded = undefined;
    } catch (error) {
      run.unrecorded = String((error as { name?: unknown } | null)?.name ?? "Error");
    }
  };
  // A reply started before receipts existed was inspected by the delivery that started it (the audit
  // record of its first part stands): its receipt is that record's.
  const inspection =
    plan.inspection ?? receiptFor({ messageId: `${key}#${plan.kind}`, author: "bot" }, plan.text);
  try {
    await deps.send(
      { ...replyTo(run, plan.text), inspection },
      {
        deadline,
        partsSent,
        async onPartSent(sent, total) {
          partsSent = sent;
          done = sent >= total;
          await write();
        },
      },
    );
  } catch (error) {
    if (error instanceof DeliveryUnknownError) {
      // Written down before the message returns to the queue: the redelivery sends this part again
      // (at least once: no answer is worse for a customer than a repeated one), and says it did.
      await write(undefined, partsSent);
      throw error;
    }
    if (!(error instanceof ChannelApiError) || error.retryable) throw error;
    done = true;
    await write(error.message);
    return error.message;
  }
  if (!done) {
    // A sender with nothing to send, or one that does not report parts.
    done = true;
    await write();
  }
  return undefined;
}
