import type { Conversation, Turn } from "../conversation";
import { newConversation } from "../conversation";
import { BUDGET, Deadline, OutOfTimeError } from "../deadline";
import type { HandoffReason } from "../engine";
import { ChannelApiError } from "../errors";
import { type InboundMessage, KEYWORD_EVENT, messageKey, type OutboundMessage } from "../message";
import { redactPersonalData } from "../redact";
import { type Ticket, ticketIdFor } from "../ticket";
import { afterResolvedTicket } from "./after-resolve";
import type { OutboxRecord, PipelineDeps } from "./ports";

/**
 * The worker's core, channel-agnostic: load the conversation → is a human on it? → redact → decide
 * (answer | clarify | hand off) → send → record turn and ticket. Everything with side effects comes in
 * through `PipelineDeps`, so the whole flow is tested without AWS.
 */

export interface ProcessOptions {
  /** The invocation's time budget (the worker derives it from Lambda's remaining time). */
  deadline?: Deadline;
}

export type PipelineOutcome = (
  | { action: "answered"; faqIds: string[]; confidence: number }
  | { action: "clarified"; options: string[] }
  | { action: "handed_off"; reason: HandoffReason; ticketId: string; platformHandoffError?: string }
  | { action: "resumed"; ticketId?: string }
  | { action: "silent"; ticketId: string }
  /** A rating of the ticket just resolved (CSAT), or a message that reopened it (after-resolve.ts). */
  | { action: "rated"; ticketId: string }
  | { action: "reopened"; ticketId: string }
  | { action: "welcomed" }
  | { action: "media_declined" }
  | { action: "keyword_answered" }
  | { action: "ignored"; why: string }
  | { action: "duplicate" }
  /** The platform refused the reply for good (customer unsubscribed, out of the reply window…). */
  | { action: "undeliverable"; error: string }
) & {
  /**
   * The reply went out but its outbox record could not be written (the store's error name): the
   * conversation's record of the message is what keeps a redelivery from answering again.
   */
  unrecorded?: string;
};

type Usage = { inputTokens: number; outputTokens: number };

/**
 * A reply the worker decided on: everything needed to send it and record it, kept in the outbox so
 * that a redelivered message finishes this reply instead of deciding (and sending) another.
 */
export type ReplyPlan =
  | { kind: "welcome"; text: string }
  | { kind: "media"; text: string }
  | { kind: "answer"; text: string; faqIds: string[]; confidence: number; usage?: Usage }
  | { kind: "clarify"; text: string; options: { faqId: string; question: string }[]; usage?: Usage }
  | { kind: "handoff"; text: string; reason: HandoffReason; ticketId: string; usage?: Usage };

/** Events that open a conversation and deserve a greeting. */
const GREETING_EVENTS = new Set(["subscribe", "enter_session", "enter_chat"]);

export async function processMessage(
  message: InboundMessage,
  deps: PipelineDeps,
  options: ProcessOptions = {},
): Promise<PipelineOutcome> {
  const deadline = options.deadline ?? Deadline.none();
  // Not started without the time to finish: the message goes back to the queue whole.
  deadline.ensure(BUDGET.messageStartMs, "start the message");
  // A channel keyword with a fixed answer (SMS HELP, MORE, STOP/START confirmations): the channel sends
  // it, never the FAQ engine, and whoever is on the conversation (a STOP confirmation is owed during a
  // hand-off too). Not a turn of the conversation; the channel answers each keyword message once.
  if (message.kind === "event" && message.event === KEYWORD_EVENT) {
    try {
      await deps.answerKeyword(message, { deadline });
    } catch (error) {
      if (error instanceof ChannelApiError && !error.retryable) {
        return { action: "undeliverable", error: error.message };
      }
      throw error;
    }
    return { action: "keyword_answered" };
  }

  const now = deps.now();
  const key = messageKey(message);
  const existing = await deps.conversations.get(message.conversationKey);
  const conversation: Conversation =
    existing ??
    newConversation({
      conversationKey: message.conversationKey,
      channel: message.channel,
      customerId: message.sender.id,
      now,
    });

  // SQS is at-least-once: a message whose reply was already sent and recorded is not answered again.
  if (conversation.processedIds.includes(message.id)) return { action: "duplicate" };

  const { text: customerText } = redactPersonalData(message.text.trim());
  const language = deps.detectLanguage(customerText || conversation.turns.at(-1)?.text || "");
  const at = now.toISOString();
  // Stamped with the arrival time, which every redelivery carries: the ticket files it once.
  const customerTurn: Turn | undefined = customerText
    ? { role: "customer", text: customerText, at: message.receivedAt }
    : undefined;

  const reply = (text: string): OutboundMessage => ({
    channel: message.channel,
    conversationKey: message.conversationKey,
    to: message.sender.id,
    ...(message.recipient ? { from: message.recipient } : {}),
    text,
    replyContext: message.replyContext,
    inReplyTo: message.id,
  });

  const record = async (botText: string | undefined, changes: Partial<Conversation> = {}) => {
    const turns = [...conversation.turns];
    if (customerTurn) turns.push(customerTurn);
    if (botText) turns.push({ role: "bot", text: botText, at });
    await deps.conversations.save(
      { ...conversation, ...changes, turns, processedIds: [...conversation.processedIds, message.id] },
      now,
    );
  };

  /**
   * Sends what the outbox does not already show as sent, recording each part as it goes. Returns the
   * refusal when the platform refused for good (the customer left, the reply window closed): that reply
   * is recorded as handled instead of going round the queue into the dead-letter queue. Retryable
   * failures throw, so the message stays on the queue and resumes after the last part sent.
   */
  let unrecorded: string | undefined;
  const deliver = async (plan: ReplyPlan, earlier: OutboxRecord | undefined): Promise<string | undefined> => {
    if (earlier?.done) return earlier.refusal;
    let partsSent = earlier?.partsSent ?? 0;
    let done = false;
    // Written after each send: a record lost to a passing store failure would have the redelivered
    // message send the part again, so the write is retried while the message's time allows. Past that,
    // the message is not failed for it (its redelivery would answer again): it goes on, and the
    // conversation's record of the message absorbs any redelivery.
    const write = async (refusal?: string) => {
      try {
        await persistently(
          () =>
            deps.outbox.put(
              { messageKey: key, plan, partsSent, done, ...(refusal !== undefined ? { refusal } : {}) },
              now,
            ),
          deadline,
        );
        unrecorded = undefined;
      } catch (error) {
        unrecorded = String((error as { name?: unknown } | null)?.name ?? "Error");
      }
    };
    try {
      await deps.send(reply(plan.text), {
        deadline,
        partsSent,
        async onPartSent(sent, total) {
          partsSent = sent;
          done = sent >= total;
          await write();
        },
      });
    } catch (error) {
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
  };

  /** Sends the reply (or what is left of it), then records the turn, the ticket's hand-off and alerts. */
  const complete = async (
    plan: ReplyPlan,
    earlier?: OutboxRecord,
    openedTicket?: Ticket,
  ): Promise<PipelineOutcome> => {
    const outcome = await completeReply(plan, earlier, openedTicket);
    return unrecorded ? { ...outcome, unrecorded } : outcome;
  };

  const completeReply = async (
    plan: ReplyPlan,
    earlier?: OutboxRecord,
    openedTicket?: Ticket,
  ): Promise<PipelineOutcome> => {
    const refusal = await deliver(plan, earlier);
    const sent = refusal === undefined;
    if ("usage" in plan && plan.usage) {
      // Model tokens are accounted per conversation (cost reports), in the same write as the turn.
      conversation.tokenUsage = {
        inputTokens: (conversation.tokenUsage?.inputTokens ?? 0) + plan.usage.inputTokens,
        outputTokens: (conversation.tokenUsage?.outputTokens ?? 0) + plan.usage.outputTokens,
      };
    }
    const disclosed = conversation.disclosed || sent;
    switch (plan.kind) {
      case "welcome":
        await record(sent ? plan.text : undefined, { disclosed });
        return sent ? { action: "welcomed" } : { action: "undeliverable", error: refusal };
      case "media":
        await record(sent ? plan.text : undefined, { disclosed });
        return sent ? { action: "media_declined" } : { action: "undeliverable", error: refusal };
      case "answer":
      case "clarify":
        await record(sent ? plan.text : undefined, {
          disclosed,
          pendingClarification: sent && plan.kind === "clarify" ? plan.options : undefined,
        });
        if (!sent) return { action: "undeliverable", error: refusal };
        return plan.kind === "answer"
          ? { action: "answered", faqIds: plan.faqIds, confidence: plan.confidence }
          : { action: "clarified", options: plan.options.map((o) => o.faqId) };
      case "handoff": {
        // Moving the platform's session to a person is best effort: the ticket and the customer's notice
        // already stand, and retrying the message would send the notice twice.
        let platformHandoffError: string | undefined;
        if (sent) {
          await deps.handoffChannel?.(reply(plan.text), plan.ticketId, { deadline }).catch((error: Error) => {
            platformHandoffError = error.message;
          });
        }
        // The ticket stands even when the customer can't be told: an agent may reach them another way.
        await record(sent ? plan.text : undefined, {
          disclosed,
          openTicketId: plan.ticketId,
          pendingClarification: undefined,
        });
        const ticket = openedTicket ?? (await deps.tickets.get(plan.ticketId));
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
  };

  // An earlier delivery of this message already decided (and perhaps sent part of) a reply: finish it.
  const earlier = await deps.outbox.get(key);
  if (earlier) return complete(earlier.plan as ReplyPlan, earlier);

  // The platform says the person is done (a WeCom 微信客服 session closed): the bot takes over again.
  if (message.kind === "event" && message.event === "session_closed") {
    const ticketId = conversation.openTicketId;
    if (ticketId) await deps.tickets.resolve(ticketId, now);
    await record(undefined, { openTicketId: undefined });
    return { action: "resumed", ...(ticketId ? { ticketId } : {}) };
  }

  // A person is on this conversation: stay silent, and give them what the customer says.
  if (conversation.openTicketId) {
    const ticketId = conversation.openTicketId;
    const status = await deps.tickets.status(ticketId);
    if (status && status !== "resolved") {
      if (customerTurn) await deps.tickets.append(ticketId, customerTurn, { id: key, now });
      await record(undefined);
      return { action: "silent", ticketId };
    }
    const after =
      status === "resolved" ? await afterResolvedTicket(ticketId, customerTurn, key, now, deps) : undefined;
    if (after) {
      // A rating closes the loop: the bot has the conversation again. A reopened ticket keeps it.
      await record(undefined, after.action === "rated" ? { openTicketId: undefined } : {});
      return after;
    }
    conversation.openTicketId = undefined;
  }

  if (message.kind === "event") {
    if (!message.event || !GREETING_EVENTS.has(message.event)) {
      await record(undefined);
      return { action: "ignored", why: `event ${message.event ?? "unknown"}` };
    }
    return complete({ kind: "welcome", text: deps.texts.welcome(message.channel, language) });
  }

  const withDisclosure = (text: string) =>
    conversation.disclosed ? text : `${deps.texts.disclosure(message.channel, language)}\n${text}`;

  if (!customerText) {
    return complete({
      kind: "media",
      text: withDisclosure(deps.texts.mediaUnsupported(language, message.channel)),
    });
  }

  const engine = await deps.engine();
  // The model calls stop in time to send the reply and record it.
  const deciding = deadline.signal(Number.POSITIVE_INFINITY, BUDGET.sendReserveMs);
  const { decision, candidates, usage } = await engine.decide({
    text: customerText,
    history: conversation.turns,
    language,
    ...(conversation.pendingClarification ? { pendingClarification: conversation.pendingClarification } : {}),
    signal: deciding,
  });
  // A model cut short by our own clock is no reason to call a person: nothing is sent yet, so the
  // message goes back to the queue and is decided again with a whole invocation's time.
  if (deciding.aborted && decision.kind === "handoff" && decision.reason === "engine_error") {
    throw new OutOfTimeError("decide", deadline.remainingMs());
  }

  if (decision.kind === "handoff") {
    const ticket = await deps.tickets.create({
      // Derived from the message, so a retried message finds the ticket it already opened.
      ticketId: ticketIdFor(message),
      conversationKey: message.conversationKey,
      channel: message.channel,
      customerId: message.sender.id,
      replyTo: {
        ...(message.recipient ? { from: message.recipient } : {}),
        replyContext: message.replyContext,
      },
      reason: decision.reason,
      priority: decision.priority,
      ...(decision.detail ? { detail: decision.detail } : {}),
      ...deps.desk?.classify({
        message,
        language,
        reason: decision.reason,
        priority: decision.priority,
        candidates,
        openedAt: now,
      }),
      status: "open",
      transcript: conversation.turns,
      ...(conversation.omittedTurns ? { omittedTurns: conversation.omittedTurns } : {}),
      candidates,
      createdAt: at,
      updatedAt: at,
    });
    if (customerTurn) await deps.tickets.append(ticket.ticketId, customerTurn, { id: key, now });
    const plan: ReplyPlan = {
      kind: "handoff",
      text: withDisclosure(deps.texts.handoff(ticket.ticketId, language, message.channel)),
      reason: decision.reason,
      ticketId: ticket.ticketId,
      ...(usage ? { usage } : {}),
    };
    // The ticket exists now: a redelivery must finish this hand-off, even if the engine would now answer.
    const pending: OutboxRecord = { messageKey: key, plan, partsSent: 0, done: false };
    await deps.outbox.put(pending, now);
    return complete(plan, pending, ticket);
  }

  const text = withDisclosure(decision.text);
  return complete(
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

/** Errors of the store that no retry can change: the request itself is wrong, or not allowed. */
const PERMANENT_STORE_ERRORS = new Set([
  "ValidationException",
  "ConditionalCheckFailedException",
  "AccessDeniedException",
  "ResourceNotFoundException",
]);

/** Pauses between the retries of `persistently`, after the store client's own retries. */
const PERSIST_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000];

/**
 * Runs a write that must not be lost (the record of a sent part) and retries it on failures that may
 * pass — throttling past the SDK's own retries, a 5xx, a dropped connection — for as long as a retry and
 * the time to record fit before the deadline.
 */
async function persistently(write: () => Promise<void>, deadline: Deadline): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const pause = PERSIST_RETRY_DELAYS_MS[attempt];
      const name = (error as { name?: unknown } | null)?.name;
      if (pause === undefined || PERMANENT_STORE_ERRORS.has(String(name))) throw error;
      if (deadline.remainingMs() < pause + BUDGET.recordReserveMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
